#!/usr/bin/env python3
"""Writes N deterministic synthetic patients as FHIR R4 Bulk Data NDJSON (one file per resource
type), about 200 resources each, with the release rules' edge cases relative to an as-of instant:
minors, an emancipated minor, pathology coded each way, results 71 h and 73 h old, reports 23
and 25 months old, letters from 2011 and 2013, a deceased patient and hostile strings.

usage: synth_fhir.py OUT_DIR [N=20] [AS_OF=2025-06-01T00:00:00Z]
Everything here is invented; no real person is described.
"""
import datetime as dt
import json
import os
import random
import sys

LOINC = "http://loinc.org"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
OBS_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
EMANCIPATED = "http://backushospital.org/fhir/StructureDefinition/emancipated-minor"
HOSTILE = ['<script>alert("x")</script>', "O'Brien & <b>Sons</b>", "{{site.title}}", "5~10 mg"]
GIVEN = ["Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lia"]
FAMILY = ["Ames", "Brook", "Cole", "Dunn", "Ellis", "Ford", "Gray", "Hale", "Iles", "Jory"]
LABS = [("2345-7", "Glucose", "mg/dL", 70, 140), ("2951-2", "Sodium", "mmol/L", 133, 147),
        ("2823-3", "Potassium", "mmol/L", 3.3, 5.3), ("718-7", "Hemoglobin", "g/dL", 11, 17),
        ("4548-4", "Hemoglobin A1c", "%", 4.5, 9)]
VACCINES = ["Influenza, seasonal", "Td (adult)", "Pneumococcal", "Hepatitis B", "COVID-19"]
CONDITIONS = ["Hypertension", "Asthma", "Type 2 diabetes", "Migraine", "Osteoarthritis"]
MEDICINES = ["Lisinopril 10 mg", "Metformin 500 mg", "Albuterol inhaler", "Atorvastatin 20 mg"]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def coding(system, code, display=None):
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return {"coding": [c], "text": display or code}


class Writer:
    def __init__(self, out):
        self.out = out
        self.files = {}
        self.bytes = 0

    def add(self, resource):
        t = resource["resourceType"]
        if t not in self.files:
            self.files[t] = open(os.path.join(self.out, f"{t}.000.ndjson"), "w")
        line = json.dumps(resource, separators=(",", ":")) + "\n"
        self.bytes += len(line)
        self.files[t].write(line)

    def close(self):
        for f in self.files.values():
            f.close()


def patient(w, rng, i, as_of):
    pid = f"p{i:06d}"
    mrn = f"M{100000 + i:06d}"
    age_days = rng.randint(19 * 365, 90 * 365)
    extension = []
    deceased = None
    if i % 25 == 3:
        age_days = rng.randint(5 * 365, 17 * 365)  # A minor.
    if i % 25 == 4:
        age_days = 16 * 365  # An emancipated minor.
        extension = [{"url": EMANCIPATED, "valueBoolean": True}]
    if i % 25 == 5:
        deceased = iso(as_of - dt.timedelta(days=400))
    birth = (as_of - dt.timedelta(days=age_days)).date().isoformat()
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    if i % 25 == 6:
        family = HOSTILE[i // 25 % len(HOSTILE)]
    p = {"resourceType": "Patient", "id": pid, "birthDate": birth,
         "name": [{"given": [given], "family": family}],
         "identifier": [{"type": coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR",
                                        "Medical record number"),
                         "system": "http://backushospital.org/mrn", "value": mrn}],
         "telecom": [{"system": "phone", "value": f"860-555-{rng.randint(1000, 9999)}"}]}
    if extension:
        p["extension"] = extension
    if deceased:
        p["deceasedDateTime"] = deceased
    w.add(p)
    return pid


def clinical(w, rng, pid, as_of):
    ref = {"reference": f"Patient/{pid}"}
    n = 0

    def rid(kind):
        nonlocal n
        n += 1
        return f"{pid}-{kind}{n}"

    def when(days_back):
        return as_of - dt.timedelta(days=days_back, seconds=rng.randint(0, 86399))

    for _ in range(60):  # Visits, 1995 on.
        t = when(rng.randint(1, 30 * 365))
        w.add({"resourceType": "Encounter", "id": rid("e"), "status": "finished", "subject": ref,
               "class": {"code": "AMB"}, "type": [{"text": rng.choice(["Office visit", "Follow-up",
                                                                      "Annual physical"])}],
               "period": {"start": iso(t), "end": iso(t + dt.timedelta(minutes=30))}})
    for _ in range(60):  # Lab results.
        code, name, unit, lo, hi = rng.choice(LABS)
        t = when(rng.randint(4, 25 * 365))
        w.add({"resourceType": "Observation", "id": rid("o"), "status": "final",
               "category": [coding(OBS_CAT, "laboratory")], "code": coding(LOINC, code, name),
               "subject": ref, "effectiveDateTime": iso(t), "issued": iso(t),
               "valueQuantity": {"value": round(rng.uniform(lo, hi), 1), "unit": unit}})
    for hours in (71, 73):  # Right at the release delay.
        t = as_of - dt.timedelta(hours=hours)
        w.add({"resourceType": "Observation", "id": rid("o"), "status": "final",
               "category": [coding(OBS_CAT, "laboratory")],
               "code": coding(LOINC, "2345-7", f"Glucose ({hours} h old)"), "subject": ref,
               "effectiveDateTime": iso(t), "issued": iso(t),
               "valueQuantity": {"value": 99, "unit": "mg/dL"}})
    for _ in range(20):  # Vital signs: not laboratory, never shown as results.
        t = when(rng.randint(1, 10 * 365))
        w.add({"resourceType": "Observation", "id": rid("o"), "status": "final",
               "category": [coding(OBS_CAT, "vital-signs")],
               "code": coding(LOINC, "8867-4", "Heart rate"), "subject": ref,
               "effectiveDateTime": iso(t), "valueQuantity": {"value": rng.randint(55, 95),
                                                              "unit": "/min"}})
    for months in (23, 25):  # Imaging reports either side of the 2-year window.
        t = as_of - dt.timedelta(days=int(months * 30.44))
        w.add({"resourceType": "DiagnosticReport", "id": rid("r"), "status": "final",
               "category": [coding(LOINC, "LP29684-5", "Radiology")],
               "code": coding(LOINC, "36643-5", f"Chest X-ray ({months} months old)"),
               "subject": ref, "effectiveDateTime": iso(t), "issued": iso(t)})
    pathology = [[coding(LOINC, "LP7839-6", "Pathology")], [coding(V2_0074, "PAT")],
                 [coding(V2_0074, "SP")], [coding(V2_0074, "CP"), coding(V2_0074, "LAB")]]
    for category in pathology:  # Pathology coded each way: never shown.
        t = when(rng.randint(5, 300))
        w.add({"resourceType": "DiagnosticReport", "id": rid("r"), "status": "final",
               "category": category, "code": coding(LOINC, "60567-5", "Pathology report"),
               "subject": ref, "effectiveDateTime": iso(t), "issued": iso(t)})
    w.add({"resourceType": "DocumentReference", "id": rid("d"), "status": "current",
           "type": coding(LOINC, "11526-1", "Pathology study"), "subject": ref,
           "date": iso(when(30)), "description": "Pathology study"})
    for code, name in (("34117-2", "History and physical"), ("11488-4", "Consultation note")):
        w.add({"resourceType": "DocumentReference", "id": rid("d"), "status": "current",
               "type": coding(LOINC, code, name), "subject": ref, "date": iso(when(200)),
               "description": name})
    for year in (2011, 2013):
        w.add({"resourceType": "DocumentReference", "id": rid("d"), "status": "current",
               "type": coding(LOINC, "51852-2", "Letter"), "subject": ref,
               "date": f"{year}-03-15T10:00:00Z", "description": f"Letter from {year}"})
    for _ in range(20):
        w.add({"resourceType": "Immunization", "id": rid("i"), "status": "completed",
               "vaccineCode": {"text": rng.choice(VACCINES)}, "patient": ref,
               "occurrenceDateTime": iso(when(rng.randint(30, 40 * 365)))})
    for k, name in enumerate(CONDITIONS):
        w.add({"resourceType": "Condition", "id": rid("c"), "subject": ref,
               "clinicalStatus": coding("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                        "active" if k % 2 == 0 else "resolved"),
               "code": {"text": name}, "onsetDateTime": iso(when(rng.randint(100, 9000)))})
    for k, name in enumerate(["Peanuts", "Penicillin", "Latex"]):
        w.add({"resourceType": "AllergyIntolerance", "id": rid("a"), "patient": ref,
               "clinicalStatus": coding(
                   "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                   "active" if k != 2 else "inactive"),
               "code": {"text": name}, "recordedDate": iso(when(rng.randint(100, 9000)))})
    for k, name in enumerate(MEDICINES):
        w.add({"resourceType": "MedicationRequest", "id": rid("m"), "subject": ref,
               "status": "active" if k < 2 else "completed", "intent": "order",
               "medicationCodeableConcept": {"text": name},
               "authoredOn": iso(when(rng.randint(10, 2000)))})
    w.add({"resourceType": "Observation", "id": rid("o"), "status": "final",
           "category": [coding(OBS_CAT, "laboratory")],
           "code": {"text": HOSTILE[rng.randrange(len(HOSTILE))]}, "subject": ref,
           "effectiveDateTime": iso(when(10)), "issued": iso(when(10)),
           "valueString": "<img src=x onerror=alert(1)>"})


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    as_of = dt.datetime.fromisoformat((sys.argv[3] if len(sys.argv) > 3
                                       else "2025-06-01T00:00:00+00:00").replace("Z", "+00:00"))
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.endswith(".ndjson"):
            os.remove(os.path.join(out, name))
    rng = random.Random(20261126)
    w = Writer(out)
    for i in range(n):
        pid = patient(w, rng, i, as_of)
        clinical(w, rng, pid, as_of)
    w.close()
    print(f"{n} patients, {w.bytes / 1e6:.1f} MB of NDJSON in {out}")


if __name__ == "__main__":
    main()
