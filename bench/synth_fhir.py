#!/usr/bin/env python3
"""Writes N deterministic synthetic patients shaped like a real EHR export (Synthea's Bulk Data
NDJSON: one file per resource type), with the release rules' edge cases relative to an as-of
instant. Adults get about ten years of dense history (check-ups with vital signs and LOINC lab
panels in UCUM units, follow-ups, walk-in, emergency and inpatient visits, each with its Claim and
ExplanationOfBenefit), sparse visits before that, SNOMED disorders next to Synthea's social
"(finding)" conditions, RxNorm prescriptions with dosage instructions, allergies with reactions,
care plans and teams, immunizations (CVX), notes, devices and imaging; children get the well-child
schedule. One hospital (Organization, Location, Practitioner, PractitionerRole, Medication) is
shared by everyone and written once. Times carry US Eastern offsets (-05:00/-04:00), some in the
evening (the next day in UTC).

Edge cases, deterministic: minors, an emancipated minor, a deceased patient, partial birth dates
("1990", "1990-06"), hostile strings; pathology reports coded each way, some with results tagged
laboratory; results 71 h and 73 h old; reports 23 and 25 months old; letters from 2011 and 2013;
Observations entered-in-error, cancelled, corrected, preliminary and registered; superseded and
entered-in-error notes; "No known allergy"; comparators ("<20 copies/mL"); values whose digits
must survive (1234567, 1.50: written as JSON number text exactly); one LOINC test under two
displays.

usage: synth_fhir.py OUT_DIR [N=20] [AS_OF=2025-06-01T00:00:00Z] [--bundles]
Patient i is p{i:06d} with MRN M{100000+i}; same arguments, same bytes. --bundles writes the same
resources as one FHIR transaction Bundle per patient (p000000.json, ...; urn:uuid: fullUrls and
references, conditional references to the shared resources) plus hospitalInformation.json.
Old *.ndjson and *.json files in OUT_DIR are removed first. bench/check_fhir_refs.py OUT_DIR checks
the output. Everything here is invented; no real person is described.
"""
import base64
import datetime as dt
import json
import os
import random
import re
import sys
import uuid

SEED = 20261126
UTC = dt.timezone.utc
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CVX = "http://hl7.org/fhir/sid/cvx"
NPI = "http://hl7.org/fhir/sid/us-npi"
TERM = "http://terminology.hl7.org/CodeSystem/"
V2_0074 = TERM + "v2-0074"
V2_0203 = TERM + "v2-0203"
OBS_CAT = TERM + "observation-category"
INTERP = TERM + "v3-ObservationInterpretation"
MRN_SYSTEM = "http://backushospital.org/mrn"
LOCAL_ID = "http://backushospital.org/fhir/id"
EMANCIPATED = "http://backushospital.org/fhir/StructureDefinition/emancipated-minor"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
HOSTILE = ['<script>alert("x")</script>', "O'Brien & <b>Sons</b>", "{{site.title}}", "5~10 mg"]
GIVEN_F = ["Ann", "Cara", "Fay", "Hana", "Lia", "Mira", "Nora", "Rosa", "Tess", "Vera", "Zoe"]
GIVEN_M = ["Ben", "Dev", "Eli", "Gus", "Ivo", "Jun", "Kai", "Omar", "Paul", "Reid", "Theo"]
FAMILY = ["Ames", "Brook", "Cole", "Dunn", "Ellis", "Ford", "Gray", "Hale", "Iles", "Jory",
          "Kemp", "Lowe", "Marsh", "Nash", "Orr", "Pike", "Quill", "Rusk", "Stroud", "Tate"]
TOWNS = [("Norwich", "06360"), ("Preston", "06365"), ("Jewett City", "06351"),
         ("Plainfield", "06374"), ("Ledyard", "06339"), ("Colchester", "06415"),
         ("Baltic", "06330")]
STREETS = ["Maple Street", "Laurel Hill Avenue", "Elm Court", "River Road", "Orchard Lane",
           "Chestnut Street", "Quarry Road", "Mill Pond Drive"]

# ---- number text, times -------------------------------------------------------------------

RAW = "\ue000"  # Marks a string that is written as JSON number text exactly ("1.50").
RAW_RE = re.compile(r'"\\ue000([-+0-9.eE]+)"')


def num(text):
    return RAW + text


def dec(value, places):
    return num(f"{value:.{places}f}")


def dumps(resource):
    line = json.dumps(resource, separators=(",", ":"))
    return RAW_RE.sub(r"\1", line) if "\\ue000" in line else line


def _sunday(year, month, n):
    """The n-th Sunday of a month, or the last one for n = -1."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


def _dst(year):
    """US Eastern daylight time as standard-time (UTC-5) wall clocks [start, end)."""
    if year >= 2007:
        a, b = _sunday(year, 3, 2), _sunday(year, 11, 1)
    elif year >= 1987:
        a, b = _sunday(year, 4, 1), _sunday(year, 10, -1)
    else:
        a, b = _sunday(year, 4, -1), _sunday(year, 10, -1)
    return dt.datetime.combine(a, dt.time(2)), dt.datetime.combine(b, dt.time(1))


def offset(u):
    std = (u - dt.timedelta(hours=5)).replace(tzinfo=None)
    a, b = _dst(std.year)
    return -4 if a <= std < b else -5


def ts(u, ms=False):
    """An instant in US Eastern local time with its offset, as Synthea writes them."""
    off = offset(u)
    local = u + dt.timedelta(hours=off)
    frac = f".{int(u.timestamp()) * 7919 % 1000:03d}" if ms else ""  # Milliseconds, made up.
    return local.strftime("%Y-%m-%dT%H:%M:%S") + frac + f"{off:+03d}:00"


def wall(day, hour, minute, second=0):
    """The instant of a local wall-clock time (hours 1-2, the changeover hours, are never used)."""
    local = dt.datetime.combine(day, dt.time(hour, minute, second))
    a, b = _dst(day.year)
    off = -4 if a <= local < b else -5
    return (local - dt.timedelta(hours=off)).replace(tzinfo=UTC)


def local_day(u):
    return (u + dt.timedelta(hours=offset(u))).date()


# ---- codes ----------------------------------------------------------------------------------


def cc(system, code, display=None, text=True):
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    out = {"coding": [c]}
    if text:
        out["text"] = display or code
    return out


def coding(system, code, display=None):
    return cc(system, code, display)


def bare(concept):
    """A CodeableConcept without its text (how claims write them)."""
    return {"coding": concept["coding"]} if "coding" in concept else concept


def term(system, code, display=None, text=False):
    """An HL7 terminology concept (statuses, categories, roles): no text, as Synthea writes."""
    return cc(system, code, display, text)


def sct(code, display):
    return cc(SNOMED, code, display)


def ref(kind, rid, display=None):
    r = {"reference": f"{kind}/{rid}"}
    if display:
        r["display"] = display
    return r


def qty(value_text, unit, code=None):
    return {"value": value_text, "unit": unit, "system": UCUM, "code": code or unit}


def obs_cat(code, display):
    return [{"coding": [{"system": OBS_CAT, "code": code, "display": display}]}]


LAB_CAT = obs_cat("laboratory", "Laboratory")
VITAL_CAT = obs_cat("vital-signs", "Vital signs")
SOCIAL_CAT = obs_cat("social-history", "Social history")
DR_LAB = [{"coding": [{"system": V2_0074, "code": "LAB", "display": "Laboratory"}]}]

# LOINC, long name, short name (another system's display), UCUM unit, decimals, mean, sd,
# reference low, high (None: open), female range override.
TESTS = {
    "hgb": ("718-7", "Hemoglobin [Mass/volume] in Blood", "Hemoglobin", "g/dL", 1, 14.2, 1.3,
            13.5, 17.5, (12.0, 15.5)),
    "wbc": ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "WBC", "10*3/uL", 1,
            7.2, 1.9, 4.5, 11.0, None),
    "plt": ("777-3", "Platelets [#/volume] in Blood by Automated count", "Platelets", "10*3/uL",
            0, 265, 60, 150, 450, None),
    "hct": ("4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count", "Hematocrit",
            "%", 1, 42.0, 3.8, 41.0, 50.0, (36.0, 44.0)),
    "glu": ("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "Glucose", "mg/dL", 0, 92, 12,
            70, 99, None),
    "cre": ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "Creatinine", "mg/dL", 2,
            0.95, 0.18, 0.60, 1.30, (0.50, 1.10)),
    "na": ("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "Sodium", "mmol/L", 0, 140, 2.4,
           136, 145, None),
    "k": ("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "Potassium", "mmol/L", 1, 4.2,
          0.4, 3.5, 5.1, None),
    "chol": ("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "Cholesterol, total",
             "mg/dL", 0, 192, 32, None, 200, None),
    "tg": ("2571-8", "Triglycerides [Mass/volume] in Serum or Plasma", "Triglycerides", "mg/dL",
           0, 135, 45, None, 150, None),
    "hdl": ("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "HDL cholesterol",
            "mg/dL", 0, 52, 11, 40, None, None),
    "ldl": ("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay",
            "LDL cholesterol, direct", "mg/dL", 0, 112, 28, None, 100, None),
    "a1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "Hemoglobin A1c", "%", 1, 5.4,
            0.3, 4.0, 5.6, None),
}
PANELS = {  # LOINC, long name, short name, tests.
    "cbc": ("58410-2", "CBC panel - Blood by Automated count", "Complete blood count",
            ["hgb", "wbc", "plt", "hct"]),
    "bmp": ("51990-0", "Basic metabolic panel - Blood", "Basic metabolic panel",
            ["glu", "cre", "na", "k"]),
    "lipid": ("57698-3", "Lipid panel with direct LDL - Serum or Plasma", "Lipid panel",
              ["chol", "tg", "hdl", "ldl"]),
    "a1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "Hemoglobin A1c", ["a1c"]),
}
DX_SOP_CLASS = "urn:oid:1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image Storage.
VIRAL_LOAD = ("20447-9", "HIV 1 RNA [#/volume] (viral load) in Serum or Plasma")

ENCOUNTERS = {  # class, SNOMED type, display, minutes, note (LOINC, display) or None.
    "wellness": ("AMB", "185349003", "Encounter for check up (procedure)", 30,
                 ("34117-2", "History and physical note")),
    "exam": ("AMB", "162673000", "General examination of patient (procedure)", 30,
             ("34117-2", "History and physical note")),
    "wellchild": ("AMB", "410620009", "Well child visit (procedure)", 30,
                  ("34117-2", "History and physical note")),
    "followup": ("AMB", "390906007", "Follow-up encounter (procedure)", 20,
                 ("11506-3", "Progress note")),
    "symptom": ("AMB", "185345009", "Encounter for symptom (procedure)", 20,
                ("11506-3", "Progress note")),
    "problem": ("AMB", "185347001", "Encounter for problem (procedure)", 30, None),
    "immunization": ("AMB", "33879002", "Administration of vaccine to produce active immunity "
                     "(procedure)", 15, None),
    "ed": ("EMER", "50849002", "Emergency room admission (procedure)", 180,
           ("34111-5", "Emergency department note")),
    "inpatient": ("IMP", "32485007", "Hospital admission (procedure)", 0,
                  ("18842-5", "Discharge summary")),
    "death": ("AMB", "308646001", "Death certification (procedure)", 30, None),
}
CLASS_DISPLAY = {"AMB": "ambulatory", "EMER": "emergency", "IMP": "inpatient encounter"}

CHRONIC = {  # SNOMED, display, chance for an adult, minimum age.
    "htn": ("59621000", "Essential hypertension (disorder)", 0.35, 30),
    "hld": ("55822004", "Hyperlipidemia (disorder)", 0.3, 35),
    "dm2": ("44054006", "Diabetes mellitus type 2 (disorder)", 0.13, 35),
    "prediab": ("15777000", "Prediabetes (finding)", 0.15, 25),
    "asthma": ("195967001", "Asthma (disorder)", 0.09, 0),
    "oa": ("239873007", "Osteoarthritis of knee (disorder)", 0.25, 50),
    "migraine": ("37796009", "Migraine (disorder)", 0.1, 15),
    "anemia": ("271737000", "Anemia (disorder)", 0.08, 0),
    "obesity": ("162864005", "Body mass index 30+ - obesity (finding)", 0.3, 18),
}
HIV = ("86406008", "Human immunodeficiency virus infection (disorder)")
ACUTE = [("444814009", "Viral sinusitis (disorder)"), ("10509002", "Acute bronchitis (disorder)"),
         ("195662009", "Acute viral pharyngitis (disorder)")]
OTITIS = ("65363002", "Otitis media (disorder)")
ED_REASONS = [("44465007", "Sprain of ankle (disorder)"), ("29857009", "Chest pain (finding)"),
              ("10509002", "Acute bronchitis (disorder)"),
              ("62106007", "Concussion with no loss of consciousness (disorder)")]
EMPLOYMENT = [("160903007", "Full-time employment (finding)"),
              ("160904001", "Part-time employment (finding)"),
              ("741062008", "Not in labor force (finding)"), ("73438004", "Unemployed (finding)")]
EDUCATION = [("224299000", "Received higher education (finding)"),
             ("473461003", "Educated to high school level (finding)")]
SDOH_SENSITIVE = {  # Patient i % 25 that always has it, and the chance for anyone else.
    "ipv": ("706893006", "Victim of intimate partner abuse (finding)", 9, 0.03),
    "criminal": ("266948004", "Has a criminal record (finding)", 10, 0.04),
    "drugs": ("361055000", "Misuses drugs (finding)", 12, 0.05),
    "stress": ("73595000", "Stress (finding)", 13, 0.3),
    "isolation": ("422650009", "Social isolation (finding)", 14, 0.08),
    "housing": ("105531004", "Housing unsatisfactory (finding)", 15, 0.05),
}
MED_REVIEW = ("314529007", "Medication review due (situation)")

ORAL = ("26643006", "Oral route (qualifier value)")
INHALED = ("447694001", "Respiratory tract route (qualifier value)")
DRUGS = {  # RxNorm (None: a local formulary item), display, route, dose, unit, per day, text.
    "lisinopril": ("314076", "lisinopril 10 MG Oral Tablet", ORAL, 1, "{tbl}", 1,
                   "Take 1 tablet by mouth once daily."),
    "amlodipine": ("197361", "amLODIPine 5 MG Oral Tablet", ORAL, 1, "{tbl}", 1,
                   "Take 1 tablet by mouth once daily."),
    "metformin": ("860975", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet",
                  ORAL, 1, "{tbl}", 2, "Take 1 tablet by mouth twice daily with meals."),
    "atorvastatin": ("259255", "Atorvastatin 80 MG Oral Tablet", ORAL, 1, "{tbl}", 1,
                     "Take 1 tablet by mouth at bedtime."),
    "albuterol": ("745679", "200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler", INHALED,
                  2, "{puff}", 0, "Inhale 2 puffs every 4 to 6 hours as needed for wheezing."),
    "fluticasone": ("895994", "120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose "
                    "Inhaler", INHALED, 2, "{puff}", 2, "Inhale 2 puffs twice daily."),
    "amoxicillin": ("308182", "Amoxicillin 250 MG Oral Capsule", ORAL, 1, "{cap}", 3,
                    "Take 1 capsule by mouth three times daily for 10 days."),
    "penicillin": ("834061", "Penicillin V Potassium 250 MG Oral Tablet", ORAL, 1, "{tbl}", 4,
                   "Take 1 tablet by mouth four times daily for 10 days."),
    "acetaminophen": ("313782", "Acetaminophen 325 MG Oral Tablet", ORAL, 2, "{tbl}", 0,
                      "Take 2 tablets by mouth every 6 hours as needed for pain."),
    "ibuprofen": ("310965", "Ibuprofen 200 MG Oral Tablet", ORAL, 2, "{tbl}", 0,
                  "Take 2 tablets by mouth every 8 hours as needed for pain."),
    "art": (None, "bictegravir 50 MG / emtricitabine 200 MG / tenofovir alafenamide 25 MG Oral "
            "Tablet", ORAL, 1, "{tbl}", 1, "Take 1 tablet by mouth once daily."),
    "enoxaparin": ("854235", "0.4 ML Enoxaparin sodium 100 MG/ML Prefilled Syringe",
                   ("34206005", "Subcutaneous route (qualifier value)"), 40, "mg", 1, ""),
    "saline": ("313002", "Sodium Chloride 9 MG/ML Injectable Solution",
               ("47625008", "Intravenous route (qualifier value)"), 1000, "mL", 1, ""),
}
CHRONIC_DRUGS = {"htn": ["lisinopril", "amlodipine"], "dm2": ["metformin"],
                 "hld": ["atorvastatin"], "asthma": ["albuterol", "fluticasone"],
                 "oa": ["ibuprofen"], "hiv": ["art"]}
CARE_PLANS = {  # Condition key: SNOMED plan, activities.
    "htn": (("443402002", "Lifestyle education regarding hypertension (procedure)"),
            [("386463000", "Prescribed activity/exercise education (procedure)"),
             ("413473000", "Counseling about alcohol consumption (procedure)")]),
    "dm2": (("698360004", "Diabetes self management plan"),
            [("160670007", "Diabetic diet (finding)"),
             ("229065009", "Exercise therapy (regime/therapy)")]),
    "asthma": (("699728000", "Asthma self management"),
               [("710081004", "Smoking cessation therapy (procedure)"),
                ("708409001", "Home nebulizer therapy (procedure)")]),
    "hiv": (("734163000", "Care plan (record artifact)"),
            [("410155007", "Occupational therapy assessment (procedure)")]),
}
ALLERGENS = [  # System, code, display, category, criticality, reaction, severity.
    (SNOMED, "762952008", "Peanut (substance)", "food", "high",
     ("39579001", "Anaphylaxis (disorder)"), "severe"),
    (RXNORM, "7980", "Penicillin G", "medication", "high",
     ("271807003", "Eruption of skin (disorder)"), "moderate"),
    (SNOMED, "111088007", "Latex (substance)", "environment", "low",
     ("247472004", "Wheal (finding)"), "mild"),
    (SNOMED, "256259004", "Pollen (substance)", "environment", "low",
     ("878820003", "Rhinoconjunctivitis (disorder)"), "mild"),
    (SNOMED, "260147004", "House dust mite (organism)", "environment", "low",
     ("76067001", "Sneezing (finding)"), "mild"),
]
NO_KNOWN_ALLERGY = ("716186003", "No known allergy (situation)")
VACCINES = {  # CVX, display.
    "flu": ("140", "Influenza, seasonal, injectable, preservative free"),
    "td": ("113", "Td (adult) preservative free"),
    "tdap": ("115", "Tdap"),
    "pcv13": ("133", "Pneumococcal conjugate PCV 13"),
    "ppsv23": ("33", "pneumococcal polysaccharide vaccine, 23 valent"),
    "hepb_adult": ("43", "Hep B, adult"),
    "covid": ("208", "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative "
              "free, 30 mcg/0.3mL dose"),
    "zoster": ("187", "zoster vaccine recombinant"),
    "hepb": ("08", "Hep B, adolescent or pediatric"),
    "dtap": ("20", "DTaP"),
    "ipv": ("10", "IPV"),
    "hib": ("49", "Hib (PRP-OMP)"),
    "rota": ("119", "rotavirus, monovalent"),
    "mmr": ("03", "MMR"),
    "var": ("21", "varicella"),
    "hepa": ("83", "Hep A, ped/adol, 2 dose"),
    "hpv": ("62", "HPV, quadrivalent"),
    "mening": ("114", "meningococcal MCV4P"),
}
CHILD_SCHEDULE = [  # Age in months, vaccines given at that well-child visit.
    (0, ["hepb"]), (2, ["dtap", "ipv", "hib", "pcv13", "rota", "hepb"]),
    (4, ["dtap", "ipv", "hib", "pcv13", "rota"]), (6, ["dtap", "hib", "pcv13", "hepb"]),
    (9, []), (12, ["mmr", "var", "hepa", "pcv13"]), (15, ["dtap", "hib"]), (18, ["hepa"]),
    (24, []), (30, []), (36, []), (48, ["dtap", "ipv", "mmr", "var"]), (60, []), (72, []),
    (84, []), (96, []), (108, []), (120, []), (132, ["tdap", "hpv", "mening"]), (138, ["hpv"]),
    (144, []), (156, []), (168, []), (180, []), (192, ["mening"]), (204, [])]
PAYERS = ["Medicare", "Medicaid", "Connecticut Commercial Health Plan", "Backus Employee Health",
          "NO_INSURANCE"]

# ---- the shared hospital --------------------------------------------------------------------

ORGS = [  # id, name, kind.
    ("org-backus", "Backus Hospital", "prov"),
    ("org-bps", "Backus Physician Services", "prov"),
    ("org-conncare", "ConnCare", "prov"),
    ("org-neuro", "Neuro Diagnostics Consulting", "prov"),
    ("org-obgyn", "OB/Gyn Services", "prov"),
    ("org-pulm", "Pulmonary and Sleep Medicine of Norwich", "prov"),
    ("org-walkin", "Plainfield Walk-In Medical", "prov"),
]
LOCATIONS = [  # id, name, organization, v3-RoleCode type, display.
    ("loc-ed", "Backus Hospital Emergency Department", "org-backus", "ER", "Emergency room"),
    ("loc-inpt", "Backus Hospital Inpatient Units", "org-backus", "HOSP", "Hospital"),
    ("loc-lab", "Backus Hospital Laboratory", "org-backus", "HLAB", "hospital laboratory"),
    ("loc-rad", "Backus Hospital Radiology", "org-backus", "RADDX",
     "Radiology diagnostics or therapeutics unit"),
    ("loc-bps", "Backus Physician Services Norwich Office", "org-bps", "PC", "primary care clinic"),
    ("loc-conncare", "ConnCare Primary Care", "org-conncare", "PC", "primary care clinic"),
    ("loc-neuro", "Neuro Diagnostics Consulting Office", "org-neuro", "NEUR", "Neurology clinic"),
    ("loc-obgyn", "OB/Gyn Services Office", "org-obgyn", "GYN", "Gynecology clinic"),
    ("loc-pulm", "Pulmonary and Sleep Medicine Office", "org-pulm", "PULMC",
     "Pulmonary clinic"),
    ("loc-walkin", "Plainfield Walk-In Medical", "org-walkin", "PC", "primary care clinic"),
]
PRACTITIONERS = [  # id, given, family, gender, NUCC taxonomy, specialty, organization, location.
    ("pr-01", "Amara", "Whitfield", "female", "207Q00000X", "Family Medicine", "org-bps",
     "loc-bps"),
    ("pr-02", "Tomas", "Reyes-Lind", "male", "207Q00000X", "Family Medicine", "org-bps", "loc-bps"),
    ("pr-03", "Priya", "Castellan", "female", "207R00000X", "Internal Medicine", "org-conncare",
     "loc-conncare"),
    ("pr-04", "Jonah", "Abernathy", "male", "207R00000X", "Internal Medicine", "org-conncare",
     "loc-conncare"),
    ("pr-05", "Leona", "Strand", "female", "207P00000X", "Emergency Medicine", "org-backus",
     "loc-ed"),
    ("pr-06", "Mateo", "Quillon", "male", "207P00000X", "Emergency Medicine", "org-backus",
     "loc-ed"),
    ("pr-07", "Ingrid", "Solvey", "female", "2085R0202X", "Diagnostic Radiology", "org-backus",
     "loc-rad"),
    ("pr-08", "Desmond", "Achebe-Hart", "male", "207ZP0102X",
     "Anatomic Pathology & Clinical Pathology", "org-backus", "loc-lab"),
    ("pr-09", "Rosalind", "Vey", "female", "207RP1001X", "Pulmonary Disease", "org-pulm",
     "loc-pulm"),
    ("pr-10", "Farid", "Nasrallah-Cole", "male", "2084N0400X", "Neurology", "org-neuro",
     "loc-neuro"),
    ("pr-11", "Helen", "Marchetti", "female", "207V00000X", "Obstetrics & Gynecology",
     "org-obgyn", "loc-obgyn"),
    ("pr-12", "Owen", "Tarrant", "male", "208000000X", "Pediatrics", "org-bps", "loc-bps"),
    ("pr-13", "Beatrix", "Lyle", "female", "363L00000X", "Nurse Practitioner", "org-walkin",
     "loc-walkin"),
    ("pr-14", "Samuel", "Okonkwo-Reed", "male", "208M00000X", "Hospitalist", "org-backus",
     "loc-inpt"),
]
PCPS = ["pr-01", "pr-02", "pr-03", "pr-04"]
NAMES = {**{o[0]: o[1] for o in ORGS}, **{loc[0]: loc[1] for loc in LOCATIONS},
         **{p[0]: f"Dr. {p[1]} {p[2]}" for p in PRACTITIONERS}}
ORG_OF = {**{loc[0]: loc[2] for loc in LOCATIONS}}
LOC_OF = {p[0]: p[7] for p in PRACTITIONERS}


def npi(pid):
    return f"99999{int(pid[3:]):05d}"


def shared_resources():
    out = []
    for oid, name, kind in ORGS:
        out.append({"resourceType": "Organization", "id": oid,
                    "identifier": [{"system": LOCAL_ID, "value": oid}], "active": True,
                    "type": [term(TERM + "organization-type", kind, "Healthcare Provider")],
                    "name": name, "telecom": [{"system": "phone", "value": "860-555-0100"}],
                    "address": [{"line": ["100 Example Street"], "city": "Norwich",
                                 "state": "CT", "postalCode": "06360", "country": "US"}]})
    for lid, name, org, code, display in LOCATIONS:
        out.append({"resourceType": "Location", "id": lid,
                    "identifier": [{"system": LOCAL_ID, "value": lid}], "status": "active",
                    "name": name, "mode": "instance",
                    "type": [term(TERM + "v3-RoleCode", code, display)],
                    "telecom": [{"system": "phone", "value": "860-555-0101"}],
                    "address": {"line": ["100 Example Street"], "city": "Norwich",
                                "state": "CT", "postalCode": "06360", "country": "US"},
                    "position": {"longitude": num("-72.0904"), "latitude": num("41.5401")},
                    "managingOrganization": ref("Organization", org, NAMES[org])})
    for pid, given, family, gender, taxonomy, specialty, org, loc in PRACTITIONERS:
        out.append({"resourceType": "Practitioner", "id": pid,
                    "identifier": [{"system": NPI, "value": npi(pid)}], "active": True,
                    "name": [{"family": family, "given": [given], "prefix": ["Dr."]}],
                    "telecom": [{"system": "email", "use": "work",
                                 "value": f"{given}.{family}@example.org"}],
                    "address": [{"line": ["100 Example Street"], "city": "Norwich",
                                 "state": "CT", "postalCode": "06360", "country": "US"}],
                    "gender": gender})
        out.append({"resourceType": "PractitionerRole", "id": f"{pid}-role",
                    "identifier": [{"system": LOCAL_ID, "value": f"{pid}-role"}],
                    "practitioner": ref("Practitioner", pid, NAMES[pid]),
                    "organization": ref("Organization", org, NAMES[org]),
                    "code": [cc("http://nucc.org/provider-taxonomy", taxonomy, specialty)],
                    "specialty": [cc("http://nucc.org/provider-taxonomy", taxonomy, specialty)],
                    "location": [ref("Location", loc, NAMES[loc])],
                    "telecom": [{"system": "phone", "value": "860-555-0102"}]})
    for key, (rx, display, *_rest) in DRUGS.items():
        code = cc(RXNORM, rx, display) if rx else {"text": display}
        out.append({"resourceType": "Medication", "id": f"med-{key}",
                    "identifier": [{"system": LOCAL_ID, "value": f"med-{key}"}],
                    "code": code, "status": "active"})
    return out


# ---- one patient ----------------------------------------------------------------------------


class Patient:
    """One patient's resources, in the order they were made."""

    def __init__(self, i, as_of):
        self.i = i
        self.rng = random.Random(SEED * 1_000_003 + i)
        self.pid = f"p{i:06d}"
        self.ref = ref("Patient", self.pid)
        self.as_of = as_of
        self.resources = []
        self.n = 0
        self.visits = []
        self.conditions = {}  # Key: Condition id of a chronic condition.

    def rid(self, kind):
        self.n += 1
        return f"{self.pid}-{kind}{self.n}"

    def add(self, resource):
        self.resources.append(resource)
        return resource["id"]

    def years(self, u):
        return (u - self.birth_instant).days / 365.25

    # -- demographics --

    def demographics(self):
        rng, i, as_of = self.rng, self.i, self.as_of
        age_days = rng.randint(19 * 365, 90 * 365)
        extension = []
        deceased = None
        if i % 25 == 3:
            age_days = rng.randint(5 * 365, 17 * 365)  # A minor.
        if i % 25 == 4:
            age_days = 16 * 365  # An emancipated minor.
            extension = [{"url": EMANCIPATED, "valueBoolean": True}]
        if i % 25 == 5:
            deceased = as_of - dt.timedelta(days=400)
        birth = (as_of - dt.timedelta(days=age_days)).date()
        self.birth_instant = wall(birth, 12, 0)
        self.end = deceased or as_of
        self.adult = age_days >= 18 * 365 + 5
        self.female = rng.random() < 0.52
        given = rng.choice(GIVEN_F if self.female else GIVEN_M)
        family = rng.choice(FAMILY)
        if i % 25 == 6:
            family = HOSTILE[i // 25 % len(HOSTILE)]
        self.given = given
        birth_text = birth.isoformat()
        if i % 25 == 7:
            birth_text = birth_text[:4]  # Only the year is known.
        elif i % 25 == 8:
            birth_text = birth_text[:7]
        race = rng.choice([("2106-3", "White")] * 6 + [("2054-5", "Black or African American"),
                                                       ("2028-9", "Asian"),
                                                       ("2131-1", "Other Race")])
        hispanic = rng.random() < 0.12
        ethnicity = ("2135-2", "Hispanic or Latino") if hispanic else (
            "2186-5", "Not Hispanic or Latino")
        omb = "urn:oid:2.16.840.1.113883.6.238"
        extension = [
            {"url": US_CORE + "us-core-race",
             "extension": [{"url": "ombCategory", "valueCoding": {"system": omb, "code": race[0],
                                                                  "display": race[1]}},
                           {"url": "text", "valueString": race[1]}]},
            {"url": US_CORE + "us-core-ethnicity",
             "extension": [{"url": "ombCategory",
                            "valueCoding": {"system": omb, "code": ethnicity[0],
                                            "display": ethnicity[1]}},
                           {"url": "text", "valueString": ethnicity[1]}]},
            {"url": US_CORE + "us-core-birthsex", "valueCode": "F" if self.female else "M"},
        ] + extension
        town, zip_code = rng.choice(TOWNS)
        name = {"use": "official", "family": family, "given": [given]}
        if self.adult:
            name["prefix"] = ["Ms." if self.female else "Mr."]
        p = {"resourceType": "Patient", "id": self.pid, "extension": extension,
             "identifier": [{"type": coding(V2_0203, "MR", "Medical record number"),
                             "system": MRN_SYSTEM, "value": f"M{100000 + i:06d}"},
                            {"type": coding(V2_0203, "SS", "Social Security number"),
                             "system": "http://hl7.org/fhir/sid/us-ssn",
                             "value": f"999-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"}],
             "name": [name],
             "telecom": [{"system": "phone", "value": f"860-555-{rng.randint(1000, 9999)}",
                          "use": "home"}],
             "gender": "female" if self.female else "male", "birthDate": birth_text,
             "address": [{"line": [f"{rng.randint(1, 999)} {rng.choice(STREETS)}"],
                          "city": town, "state": "CT", "postalCode": zip_code, "country": "US"}],
             "maritalStatus": term(TERM + "v3-MaritalStatus", *rng.choice(
                 [("M", "Married"), ("S", "Never Married"), ("D", "Divorced"),
                  ("W", "Widowed")]) if self.adult else ("S", "Never Married")),
             "communication": [{"language": cc("urn:ietf:bcp:47", "en-US",
                                                "English (United States)")}]}
        if deceased:
            p["deceasedDateTime"] = ts(deceased)
        self.add(p)
        self.payer = ("Medicare" if age_days > 65 * 365 else
                      "Medicaid" if not self.adult or rng.random() < 0.2 else
                      rng.choice(PAYERS[2:]))
        self.pcp = "pr-12" if not self.adult else rng.choice(PCPS)

    # -- visits --

    def day_time(self, day, kind):
        rng = self.rng
        if kind == "evening":
            return wall(day, rng.randint(19, 23), rng.randint(0, 59), rng.randint(0, 59))
        if kind == "night":
            return wall(day, rng.choice([0, 3, 4, 5]), rng.randint(0, 59), rng.randint(0, 59))
        return wall(day, rng.randint(8, 16), rng.randint(0, 59), rng.randint(0, 59))

    def visit(self, kind, start, prac=None, loc=None, reason=None, days=0):
        cls, code, display, minutes, _ = ENCOUNTERS[kind]
        prac = prac or self.pcp
        loc = loc or LOC_OF[prac]
        end = start + dt.timedelta(days=days, minutes=minutes or 45)
        period = {"start": ts(start), "end": ts(end)}
        eid = self.rid("e")
        e = {"resourceType": "Encounter", "id": eid, "status": "finished",
             "class": {"system": TERM + "v3-ActCode", "code": cls,
                       "display": CLASS_DISPLAY[cls]},
             "type": [sct(code, display)], "subject": self.ref,
             "participant": [{"type": [term(TERM + "v3-ParticipationType", "PPRF",
                                          "primary performer")],
                              "individual": ref("Practitioner", prac, NAMES[prac])}],
             "period": period,
             "location": [{"location": ref("Location", loc, NAMES[loc])}],
             "serviceProvider": ref("Organization", ORG_OF[loc], NAMES[ORG_OF[loc]])}
        if reason:
            e["reasonCode"] = [sct(*reason)]
        if cls == "IMP":
            e["hospitalization"] = {"dischargeDisposition": cc(
                TERM + "discharge-disposition", "home", "Home")}
        self.add(e)
        v = {"id": eid, "kind": kind, "start": start, "end": end, "prac": prac, "loc": loc,
             "items": [sct(code, display)], "diagnoses": []}
        self.visits.append(v)
        return v

    def enc_ref(self, v):
        return ref("Encounter", v["id"])

    # -- observations --

    def vital(self, v, code, display, value, unit, t=None):
        return self.add({"resourceType": "Observation", "id": self.rid("o"), "status": "final",
                         "category": VITAL_CAT, "code": cc(LOINC, code, display),
                         "subject": self.ref, "encounter": self.enc_ref(v),
                         "effectiveDateTime": ts(t or v["start"]),
                         "valueQuantity": qty(value, unit)})

    def vitals(self, v, full=True):
        rng, t = self.rng, v["start"] + dt.timedelta(minutes=5)
        child = not self.adult and self.years(t) < 18
        age = self.years(t)
        if age >= 3:
            sys_bp = round(rng.gauss(self.bp_base + 14 * ("htn" in self.conditions), 9))
            dia = round(sys_bp * rng.uniform(0.58, 0.68))
            self.add({"resourceType": "Observation", "id": self.rid("o"), "status": "final",
                      "category": VITAL_CAT,
                      "code": cc(LOINC, "85354-9",
                                 "Blood pressure panel with all children optional"),
                      "subject": self.ref, "encounter": self.enc_ref(v),
                      "effectiveDateTime": ts(t),
                      "component": [
                          {"code": cc(LOINC, "8480-6", "Systolic blood pressure", False),
                           "valueQuantity": qty(num(str(sys_bp)), "mm[Hg]")},
                          {"code": cc(LOINC, "8462-4", "Diastolic blood pressure", False),
                           "valueQuantity": qty(num(str(dia)), "mm[Hg]")}]})
        rate = round(rng.gauss(110 - 4 * min(age, 10), 8)) if child else rng.randint(58, 96)
        self.vital(v, "8867-4", "Heart rate", num(str(rate)), "/min", t)
        if not full:
            return
        height = self.height(age)
        weight = self.bmi_base * (height / 100) ** 2 * rng.uniform(0.97, 1.03)
        if age >= 2:
            self.vital(v, "8302-2", "Body Height", dec(height, 1), "cm", t)
        self.vital(v, "29463-7", "Body Weight", dec(weight, 1), "kg", t)
        if age >= 2:
            self.vital(v, "39156-5", "Body mass index (BMI) [Ratio]",
                       dec(weight / (height / 100) ** 2, 1), "kg/m2", t)

    def height(self, age):
        adult = 163.0 if self.female else 177.0
        return adult * min(1.0, 0.3 + 0.7 * min(age, 16) / 16) + self.height_delta

    def smoking(self, v):
        status = self.smoker
        self.add({"resourceType": "Observation", "id": self.rid("o"), "status": "final",
                  "category": SOCIAL_CAT, "code": cc(LOINC, "72166-2", "Tobacco smoking status"),
                  "subject": self.ref, "encounter": self.enc_ref(v),
                  "effectiveDateTime": ts(v["start"]), "issued": ts(v["start"], ms=True),
                  "valueCodeableConcept": sct(*status)})

    def lab_value(self, key):
        places, mean, sd = TESTS[key][4:7]
        rng = self.rng
        mean = self.lab_base.setdefault(key, rng.gauss(mean, sd * 0.5))
        if key == "glu" and "dm2" in self.conditions:
            mean = 150
        if key == "a1c":
            mean = 7.4 if "dm2" in self.conditions else 6.0 if "prediab" in self.conditions \
                else mean
        value = max(rng.gauss(mean, sd * 0.6), 0.1 if places else 1)
        return round(value, places)

    def lab(self, key, t, issued, v=None, status="final", value=None, legacy=False):
        code, long_name, short, unit, places, _, _, lo, hi, fem = TESTS[key]
        rng = self.rng
        if fem and self.female:
            lo, hi = fem
        name = short if legacy or rng.random() < 0.08 else long_name
        o = {"resourceType": "Observation", "id": self.rid("o"), "status": status,
             "category": LAB_CAT, "code": cc(LOINC, code, name), "subject": self.ref}
        if v:
            o["encounter"] = self.enc_ref(v)
        o["effectiveDateTime"] = ts(t)
        o["issued"] = ts(issued, ms=True)
        if status == "registered":
            return self.add(o)
        if status == "cancelled":
            o["dataAbsentReason"] = term(TERM + "data-absent-reason", "not-performed",
                                       "Not Performed")
            return self.add(o)
        if value is None:
            value = self.lab_value(key)
        text = value if isinstance(value, str) else f"{value:.{places}f}"
        o["valueQuantity"] = qty(num(text), unit)
        flag = None
        if lo is not None and float(text) < lo:
            flag = ("L", "Low")
        elif hi is not None and float(text) > hi:
            flag = ("H", "High")
        if flag:
            o["interpretation"] = [cc(INTERP, flag[0], flag[1])]
        ranges = {}
        if lo is not None:
            ranges["low"] = {"value": dec(lo, places), "unit": unit}
        if hi is not None:
            ranges["high"] = {"value": dec(hi, places), "unit": unit}
        o["referenceRange"] = [ranges]
        return self.add(o)

    def lab_status(self):
        u = self.rng.random()
        return ("entered-in-error" if u < 0.004 else "cancelled" if u < 0.008 else
                "corrected" if u < 0.012 else "amended" if u < 0.014 else "final")

    def panel(self, key, v, t=None, status="final", statuses=None, values=None, legacy=False):
        """A lab panel: its Observations and the DiagnosticReport that links them."""
        code, long_name, short, tests = PANELS[key]
        rng = self.rng
        t = t or (v["start"] + dt.timedelta(minutes=rng.randint(10, 25)))
        if rng.random() < 0.25:  # Resulted in the evening: the next day in UTC.
            issued = max(self.day_time(local_day(t), "evening"), t + dt.timedelta(hours=1))
        else:
            issued = t + dt.timedelta(hours=rng.randint(2, 8), seconds=rng.randint(0, 3599))
        issued = min(issued, self.as_of - dt.timedelta(minutes=1))
        results = []
        for k, test in enumerate(tests):
            st = statuses[k] if statuses else self.lab_status()
            value = (values or {}).get(test)
            oid = self.lab(test, t, issued, v, st, value, legacy)
            results.append(ref("Observation", oid, self.resources[-1]["code"]["text"]))
        if len(tests) == 1:
            return results
        r = {"resourceType": "DiagnosticReport", "id": self.rid("r"), "status": status,
             "category": DR_LAB, "code": cc(LOINC, code, short if legacy else long_name),
             "subject": self.ref}
        if v:
            r["encounter"] = self.enc_ref(v)
        r.update({"effectiveDateTime": ts(t), "issued": ts(issued, ms=True),
                  "performer": [ref("Organization", "org-backus", NAMES["org-backus"])],
                  "result": results})
        self.add(r)
        return results

    # -- conditions, medications --

    def condition(self, code, display, onset, v=None, abated=None, category="encounter-diagnosis",
                  verification="confirmed"):
        c = {"resourceType": "Condition", "id": self.rid("c"),
             "clinicalStatus": term(TERM + "condition-clinical",
                                  "resolved" if abated else "active"),
             "verificationStatus": term(TERM + "condition-ver-status", verification),
             "category": [term(TERM + "condition-category", category,
                             "Problem List Item" if category == "problem-list-item"
                             else "Encounter Diagnosis")],
             "code": sct(code, display), "subject": self.ref}
        if v:
            c["encounter"] = self.enc_ref(v)
            v["diagnoses"].append(c["id"])
        c["onsetDateTime"] = ts(onset)
        if abated:
            c["abatementDateTime"] = ts(abated)
        c["recordedDate"] = ts(onset)
        return self.add(c)

    def prescribe(self, key, v, status, reason=None, days=None):
        rx, display, route, dose, unit, per_day, text = DRUGS[key]
        m = {"resourceType": "MedicationRequest", "id": self.rid("m"), "status": status,
             "intent": "order"}
        if self.i % 2 and rx:
            m["medicationReference"] = ref("Medication", f"med-{key}", display)
        else:
            m["medicationCodeableConcept"] = cc(RXNORM, rx, display) if rx else {"text": display}
        m.update({"subject": self.ref, "encounter": self.enc_ref(v),
                  "authoredOn": ts(v["start"] + dt.timedelta(minutes=15)),
                  "requester": ref("Practitioner", v["prac"], NAMES[v["prac"]])})
        if reason:
            m["reasonReference"] = [ref("Condition", reason)]
        if key == "acetaminophen" and self.i % 25 == 6:
            text = HOSTILE[3] + " as directed"  # Hostile text in a dosage line.
        # As needed (per_day 0): at most four times a day.
        m["dosageInstruction"] = [{
            "sequence": 1, "text": text,
            "timing": {"repeat": {"frequency": per_day or 4, "period": 1, "periodUnit": "d"}},
            "asNeededBoolean": per_day == 0, "route": sct(*route),
            "doseAndRate": [{"type": term(TERM + "dose-rate-type", "ordered", "Ordered"),
                             "doseQuantity": qty(num(str(dose)), unit.strip("{}"), unit)}]}]
        if days:
            m["dispenseRequest"] = {"expectedSupplyDuration": qty(num(str(days)), "days", "d")}
        self.add(m)
        v["items"].append(m.get("medicationCodeableConcept") or {"text": display})
        return m["id"]

    def administer(self, key, v, t, reason=None):
        rx, display, route, dose, unit, *_ = DRUGS[key]
        a = {"resourceType": "MedicationAdministration", "id": self.rid("ma"),
             "status": "completed", "medicationCodeableConcept": cc(RXNORM, rx, display),
             "subject": self.ref, "context": self.enc_ref(v), "effectiveDateTime": ts(t)}
        if reason:
            a["reasonReference"] = [ref("Condition", reason)]
        a["dosage"] = {"route": sct(*route),
                       "dose": qty(num(str(dose * (325 if key == "acetaminophen" else 1))),
                                   "mg" if key == "acetaminophen" else unit)}
        self.add(a)

    def procedure(self, v, code, display, minutes=15, reason=None, loc=None):
        p = {"resourceType": "Procedure", "id": self.rid("pr"), "status": "completed",
             "code": sct(code, display), "subject": self.ref, "encounter": self.enc_ref(v),
             "performedPeriod": {"start": ts(v["start"]),
                                 "end": ts(v["start"] + dt.timedelta(minutes=minutes))},
             "location": ref("Location", loc or v["loc"], NAMES[loc or v["loc"]])}
        if reason:
            p["reasonReference"] = [ref("Condition", reason)]
        self.add(p)
        v["items"].append(sct(code, display))
        return p["id"]

    def immunize(self, key, v, status="completed"):
        code, display = VACCINES[key]
        im = {"resourceType": "Immunization", "id": self.rid("i"), "status": status,
              "vaccineCode": cc(CVX, code, display), "patient": self.ref,
              "encounter": self.enc_ref(v), "occurrenceDateTime": ts(v["start"]),
              "primarySource": True, "location": ref("Location", v["loc"], NAMES[v["loc"]])}
        if status == "not-done":
            im["statusReason"] = term(TERM + "v3-ActReason", "PATOBJ", "patient objection")
        self.add(im)
        if status == "completed":
            v["items"].append(cc(CVX, code, display))

    def note(self, v, lines, loinc=None, status="current", doc_status=None, replaces=None):
        loinc = loinc or ENCOUNTERS[v["kind"]][4]
        day = local_day(v["start"]).isoformat()
        body = f"{day}\n\n" + "\n".join(lines) + "\n"
        d = {"resourceType": "DocumentReference", "id": self.rid("d"), "status": status}
        if doc_status:
            d["docStatus"] = doc_status
        d.update({"type": cc(LOINC, loinc[0], loinc[1]),
                  "category": [cc("http://hl7.org/fhir/us/core/CodeSystem/"
                                  "us-core-documentreference-category", "clinical-note",
                                  "Clinical Note")],
                  "subject": self.ref, "date": ts(v["end"], ms=True),
                  "author": [ref("Practitioner", v["prac"], NAMES[v["prac"]])],
                  "custodian": ref("Organization", ORG_OF[v["loc"]], NAMES[ORG_OF[v["loc"]]])})
        if replaces:
            d["relatesTo"] = [{"code": "replaces", "target": ref("DocumentReference", replaces)}]
        d["content"] = [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                        "data": base64.b64encode(body.encode()).decode()},
                         "format": {"system": "http://ihe.net/fhir/ValueSet/"
                                    "IHE.FormatCode.codesystem",
                                    "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient",
                                    "display": "mimeType Sufficient"}}]
        d["context"] = {"encounter": [self.enc_ref(v)],
                        "period": {"start": ts(v["start"]), "end": ts(v["end"])}}
        return self.add(d)

    def note_lines(self, v, complaint):
        age = int(self.years(v["start"]))
        problems = [CHRONIC[k][1] for k in self.conditions if k in CHRONIC] or ["none"]
        return [f"# Chief Complaint\n{complaint}",
                f"# History of Present Illness\nThe patient is a {age} year-old "
                f"{'female' if self.female else 'male'} seen for "
                f"{ENCOUNTERS[v['kind']][2].split(' (')[0].lower()}.",
                "# Active problems\n" + "; ".join(problems),
                f"# Plan\nReturn in {self.rng.choice(['3 months', '6 months', '1 year'])}."]

    # -- the history --

    def history(self):
        rng = self.rng
        self.bp_base = rng.gauss(118, 8)
        self.bmi_base = rng.gauss(27, 4) if self.adult else rng.gauss(18, 2)
        self.height_delta = rng.gauss(0, 6)
        self.lab_base = {}
        self.smoker = rng.choice([("266919005", "Never smoked tobacco (finding)")] * 5 +
                                 [("8517006", "Ex-smoker (finding)"),
                                  ("449868002", "Smokes tobacco daily (finding)")])
        if self.adult:
            self.adult_history()
        else:
            self.child_history()

    def chronic_onsets(self, start):
        rng, out = self.rng, {}
        for key, (_, _, chance, min_age) in CHRONIC.items():
            forced = (key == "dm2" and self.i % 25 == 12) or (key == "htn" and self.i % 25 == 12)
            if forced or rng.random() < chance:
                earliest = max(start, self.birth_instant + dt.timedelta(days=365 * min_age + 30))
                latest = self.end - dt.timedelta(days=60)
                if earliest < latest:
                    out[key] = earliest + (latest - earliest) * rng.random() ** 1.5
        if self.i % 25 == 11:
            out["hiv"] = max(start, self.end - dt.timedelta(days=6 * 365))
        return out

    def adult_history(self):
        rng, i = self.rng, self.i
        dense = max(self.end - dt.timedelta(days=3652),
                    self.birth_instant + dt.timedelta(days=18 * 365))
        sparse = max(self.end - dt.timedelta(days=30 * 365),
                     self.birth_instant + dt.timedelta(days=18 * 365))
        onsets = self.chronic_onsets(sparse)
        # Sparse years: a check-up every two years or so, from a legacy system's displays.
        t = sparse + dt.timedelta(days=rng.randint(30, 400))
        while t < dense:
            v = self.visit("exam", self.day_time(local_day(t), "clinic"))
            self.vitals(v, full=False)
            if rng.random() < 0.35:
                self.panel("bmp", v, legacy=True)
            self.diagnose_due(v, onsets)
            t += dt.timedelta(days=rng.randint(900, 1500))
        # Dense years: yearly check-ups, follow-ups, walk-ins, emergencies.
        # The check-up falls near the birthday, as Synthea schedules it.
        first = True
        birthday = local_day(self.birth_instant)
        for year in range(local_day(dense).year, local_day(self.end).year + 1):
            day = birthday.replace(year=year, day=min(birthday.day, 28)) + dt.timedelta(
                days=rng.randint(-15, 45))
            if wall(day, 8, 0) < dense:
                continue
            if wall(day, 17, 0) >= self.end - dt.timedelta(days=2):
                break
            v = self.visit("wellness", self.day_time(day, "clinic"))
            self.wellness(v, onsets, first)
            first = False
            for _ in range(2 if "dm2" in self.conditions else
                           1 if {"htn", "hiv"} & set(self.conditions) else 0):
                t = v["start"] + dt.timedelta(days=rng.randint(100, 250))
                if t < self.end - dt.timedelta(days=8):
                    self.followup(self.visit("followup", self.day_time(local_day(t), "clinic")))
            if rng.random() < 0.4:
                t = v["start"] + dt.timedelta(days=rng.randint(20, 330))
                if t < self.end - dt.timedelta(days=8):
                    self.acute(t)
            if rng.random() < 0.12:
                t = v["start"] + dt.timedelta(days=rng.randint(20, 330))
                if t < self.end - dt.timedelta(days=8):
                    self.emergency(t)
        if i % 10 == 7:
            self.admission(self.end - dt.timedelta(days=rng.randint(90, 900)))
        if "hiv" in self.conditions:
            self.viral_loads()
        self.recent_panel()
        self.plans()

    def diagnose_due(self, v, onsets):
        for key, onset in list(onsets.items()):
            if onset <= v["end"] and key not in self.conditions:
                code, display = HIV if key == "hiv" else CHRONIC[key][:2]
                self.conditions[key] = self.condition(code, display, v["start"], v,
                                                      category="problem-list-item")

    def wellness(self, v, onsets, first):
        rng, i = self.rng, self.i
        self.diagnose_due(v, onsets)
        self.vitals(v)
        self.smoking(v)
        if first or rng.random() < 0.5:
            self.panel("cbc", v)
        self.panel("bmp", v, values={"cre": "1.50"} if i % 7 == 1 and first else None)
        if "hld" in self.conditions or "dm2" in self.conditions or rng.random() < 0.35:
            self.panel("lipid", v)
        if "dm2" in self.conditions or "prediab" in self.conditions:
            self.panel("a1c", v)
        self.procedure(v, "430193006", "Medication reconciliation (procedure)")
        if rng.random() < 0.5:
            self.procedure(v, "710824005", "Assessment of health and social care needs "
                           "(procedure)")
        month = local_day(v["start"]).month
        if month >= 9 or month <= 2 or rng.random() < 0.5:
            self.immunize("flu", v)
        age = self.years(v["start"])
        year = local_day(v["start"]).year
        if first and rng.random() < 0.6:
            self.immunize("tdap" if rng.random() < 0.5 else "td", v)
        if age >= 65 and "pcv13" not in self.given_vaccines:
            self.immunize("pcv13", v)
            self.given_vaccines.add("pcv13")
        if age >= 50 and "zoster" not in self.given_vaccines and rng.random() < 0.4:
            self.immunize("zoster", v)
            self.given_vaccines.add("zoster")
        if 2021 <= year <= 2023:
            self.immunize("covid", v)
        self.social_findings(v, first)
        for key, drugs in CHRONIC_DRUGS.items():
            if key in self.conditions:
                for drug in drugs[:1 + (rng.random() < 0.3)]:
                    self.renew(drug, v, key)
        self.note(v, self.note_lines(v, "No complaints."))

    def social_findings(self, v, first):
        """Synthea records social findings at check-ups and resolves them at the next one."""
        rng = self.rng
        nxt = v["start"] + dt.timedelta(days=365)
        until = nxt if nxt < self.end else None
        if first:
            self.condition(*rng.choice(EDUCATION), v["start"], v)
            self.employment = rng.choice(EMPLOYMENT[:2] * 4 + EMPLOYMENT[2:])
        self.condition(*self.employment, v["start"], v, until)
        for key, (code, display, always, chance) in SDOH_SENSITIVE.items():
            if (first and self.i % 25 == always) or rng.random() < chance / 4:
                self.condition(code, display, v["start"], v,
                               until if key in ("stress", "isolation") else None)
        if rng.random() < 0.3:
            self.condition(*MED_REVIEW, v["start"], v, until)

    def renew(self, drug, v, condition_key):
        previous = self.active_rx.get(drug)
        if previous:
            previous["status"] = "stopped" if self.rng.random() < 0.2 else "completed"
        mid = self.prescribe(drug, v, "active", self.conditions[condition_key], days=365)
        self.active_rx[drug] = self.resources[-1]
        return mid

    def followup(self, v):
        rng = self.rng
        self.vitals(v, full=False)
        if "dm2" in self.conditions:
            self.panel("a1c", v)
        if "htn" in self.conditions and rng.random() < 0.5:
            self.panel("bmp", v)
        if rng.random() < 0.3:
            self.note(v, self.note_lines(v, "Follow-up of chronic conditions."))

    def acute(self, t):
        rng = self.rng
        code, display = rng.choice(ACUTE)
        v = self.visit("symptom", self.day_time(local_day(t), "clinic"),
                       prac="pr-13" if rng.random() < 0.5 else None, reason=(code, display))
        self.vitals(v, full=False)
        cid = self.condition(code, display, v["start"], v,
                             v["start"] + dt.timedelta(days=rng.randint(7, 21)))
        drug = "penicillin" if code == "195662009" and rng.random() < 0.4 else (
            "amoxicillin" if rng.random() < 0.3 else "acetaminophen")
        self.prescribe(drug, v, "completed", cid)
        self.note(v, self.note_lines(v, display.split(" (")[0] + "."))

    def emergency(self, t):
        rng = self.rng
        code, display = rng.choice(ED_REASONS)
        start = self.day_time(local_day(t), rng.choice(["evening", "evening", "night", "clinic"]))
        v = self.visit("ed", start, prac=rng.choice(["pr-05", "pr-06"]), reason=(code, display))
        self.vitals(v, full=False)
        cid = self.condition(code, display, start, v,
                             start + dt.timedelta(days=rng.randint(5, 30)))
        self.panel("cbc", v)
        self.panel("bmp", v)
        self.administer("acetaminophen", v, start + dt.timedelta(minutes=40), cid)
        if code == "29857009":
            self.chest_xray(v, start + dt.timedelta(minutes=70), "RAD", None)
        self.prescribe("ibuprofen", v, "completed", cid)
        self.note(v, self.note_lines(v, display.split(" (")[0] + "."))

    def admission(self, t):
        rng = self.rng
        reason = ("233604007", "Pneumonia (disorder)")
        start = self.day_time(local_day(t), "evening")
        days = rng.randint(2, 4)
        v = self.visit("inpatient", start, prac="pr-14", reason=reason, days=days)
        cid = self.condition(*reason, start, v, start + dt.timedelta(days=days + 14))
        self.vitals(v, full=False)
        for d in range(days):
            morning = wall(local_day(start) + dt.timedelta(days=d + 1), 6, rng.randint(0, 59))
            self.panel("bmp", v, t=morning)
            self.administer("enoxaparin", v, morning + dt.timedelta(hours=3), cid)
            self.administer("saline", v, morning + dt.timedelta(hours=4), cid)
        self.chest_xray(v, start + dt.timedelta(hours=2), "RAD", None)
        self.prescribe("amoxicillin", v, "completed", cid)
        self.note(v, self.note_lines(v, "Fever and productive cough."))

    def chest_xray(self, v, t, category, label):
        """An ImagingStudy and its radiology report."""
        n = self.n + 1
        uid = f"1.2.840.99999999.{self.i}.{n}"
        study = {"resourceType": "ImagingStudy", "id": self.rid("img"),
                 "identifier": [{"use": "official", "system": "urn:ietf:rfc:3986",
                                 "value": f"urn:oid:{uid}"}],
                 "status": "available", "subject": self.ref, "started": ts(t),
                 "numberOfSeries": 1, "numberOfInstances": 2,
                 "procedureCode": [sct("399208008", "Plain X-ray of chest (procedure)")],
                 "location": ref("Location", "loc-rad", NAMES["loc-rad"]),
                 "series": [{"uid": f"{uid}.1", "number": 1,  # DX, PA and lateral.
                             "modality": {"system": "http://dicom.nema.org/resources/ontology/DCM",
                                          "code": "DX", "display": "Digital Radiography"},
                             "numberOfInstances": 2,
                             "bodySite": {"system": SNOMED, "code": "51185008",
                                          "display": "Thoracic structure (body structure)"},
                             "started": ts(t),
                             "instance": [{"uid": f"{uid}.1.{k}",
                                           "sopClass": {"system": "urn:ietf:rfc:3986",
                                                        "code": DX_SOP_CLASS},
                                           "number": k, "title": title}
                                          for k, title in ((1, "PA"), (2, "Lateral"))]}]}
        if v:
            study["encounter"] = self.enc_ref(v)
        self.add(study)
        cat = ([cc(LOINC, "LP29684-5", "Radiology")] if category == "LP29684-5" else
               [{"coding": [{"system": V2_0074, "code": "RAD", "display": "Radiology"}]}])
        r = {"resourceType": "DiagnosticReport", "id": self.rid("r"), "status": "final",
             "category": cat,
             "code": cc(LOINC, "36643-5", label or "XR Chest 2 Views"), "subject": self.ref}
        if v:
            r["encounter"] = self.enc_ref(v)
        issued = t + dt.timedelta(hours=3)
        r.update({"effectiveDateTime": ts(t), "issued": ts(issued, ms=True),
                  "performer": [ref("Practitioner", "pr-07", NAMES["pr-07"])],
                  "imagingStudy": [ref("ImagingStudy", study["id"])],
                  "conclusion": "No acute cardiopulmonary process."})
        self.add(r)

    def viral_loads(self):
        """HIV viral load: 1234567 copies/mL at diagnosis, then below the limit (<20)."""
        v0 = None
        for v in sorted(self.visits, key=lambda v: v["start"]):
            if v["start"] >= self.diagnosed("hiv") and v["kind"] in ("wellness", "followup"):
                t = v["start"] + dt.timedelta(minutes=20)
                o = {"resourceType": "Observation", "id": self.rid("o"), "status": "final",
                     "category": LAB_CAT, "code": cc(LOINC, *VIRAL_LOAD), "subject": self.ref,
                     "encounter": self.enc_ref(v), "effectiveDateTime": ts(t),
                     "issued": ts(t + dt.timedelta(days=2), ms=True)}
                if v0 is None:
                    o["valueQuantity"] = qty(num("1234567"), "copies/mL", "{copies}/mL")
                    o["interpretation"] = [cc(INTERP, "H", "High")]
                    v0 = v
                    self.prescribe("art", v, "active", self.conditions["hiv"], days=90)
                else:
                    q = qty(num("20"), "copies/mL", "{copies}/mL")
                    o["valueQuantity"] = {"comparator": "<", **q}
                self.add(o)

    def diagnosed(self, key):
        cid = self.conditions[key]
        for r in self.resources:
            if r["id"] == cid:
                return dt.datetime.fromisoformat(r["onsetDateTime"]).astimezone(UTC)
        raise KeyError(key)

    def recent_panel(self):
        """A CBC drawn days before the end; every third patient's is still preliminary."""
        rng = self.rng
        day = local_day(self.end) - dt.timedelta(days=rng.randint(2, 6))
        v = self.visit("followup", self.day_time(day, "clinic"))
        self.vitals(v, full=False)
        if self.i % 3 == 0:
            self.panel("cbc", v, status="preliminary",
                       statuses=["final", "preliminary", "final", "registered"])
        else:
            self.panel("cbc", v)

    def plans(self):
        rng = self.rng
        for key, ((code, display), activities) in CARE_PLANS.items():
            if key not in self.conditions:
                continue
            v = next(v for v in self.visits
                     if self.conditions[key] in v["diagnoses"])
            ct = {"resourceType": "CareTeam", "id": self.rid("ct"), "status": "active",
                  "subject": self.ref, "encounter": self.enc_ref(v),
                  "period": {"start": ts(v["start"])},
                  "participant": [
                      {"role": [sct("116154003", "Patient (person)")], "member": self.ref},
                      {"role": [sct("223366009", "Healthcare professional (occupation)")],
                       "member": ref("Practitioner", v["prac"], NAMES[v["prac"]])},
                      {"role": [sct("224891009", "Healthcare services (qualifier value)")],
                       "member": ref("Organization", ORG_OF[v["loc"]],
                                     NAMES[ORG_OF[v["loc"]]])}],
                  "reasonCode": [sct(*(HIV if key == "hiv" else CHRONIC[key][:2]))],
                  "managingOrganization": [ref("Organization", ORG_OF[v["loc"]],
                                               NAMES[ORG_OF[v["loc"]]])]}
            self.add(ct)
            text = f"Care Plan: {display}. Activities: " + "; ".join(a[1] for a in activities)
            self.add({"resourceType": "CarePlan", "id": self.rid("cp"),
                      "text": {"status": "generated",
                               "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{text}</div>'},
                      "status": "active", "intent": "order",
                      "category": [cc("http://hl7.org/fhir/us/core/CodeSystem/careplan-category",
                                      "assess-plan"), sct(code, display)],
                      "subject": self.ref, "encounter": self.enc_ref(v),
                      "period": {"start": ts(v["start"])},
                      "careTeam": [ref("CareTeam", ct["id"])],
                      "addresses": [ref("Condition", self.conditions[key])],
                      "activity": [{"detail": {"code": sct(a, d), "status": "in-progress",
                                               "location": ref("Location", v["loc"],
                                                               NAMES[v["loc"]])}}
                                   for a, d in activities]})
        if "dm2" in self.conditions:
            start = self.diagnosed("dm2")
            made = start - dt.timedelta(days=rng.randint(100, 400))
            self.add({"resourceType": "Device", "id": self.rid("dev"),
                      "udiCarrier": [{"deviceIdentifier": f"0{rng.randint(10**12, 10**13 - 1)}",
                                      "carrierHRF": f"(01)0{rng.randint(10**12, 10**13 - 1)}"}],
                      "status": "active", "manufactureDate": ts(made),
                      "expirationDate": ts(made + dt.timedelta(days=3 * 365)),
                      "lotNumber": str(rng.randint(100000, 999999)),
                      "serialNumber": str(rng.randint(10**8, 10**9 - 1)),
                      "deviceName": [{"name": "Blood glucose meter (physical object)",
                                      "type": "user-friendly-name"}],
                      "type": sct("337414009", "Blood glucose meter (physical object)"),
                      "patient": self.ref})
            t = start
            while t < self.end - dt.timedelta(days=30):
                self.add({"resourceType": "SupplyDelivery", "id": self.rid("sd"),
                          "status": "completed", "patient": self.ref,
                          "type": term(TERM + "supply-item-type", "device", "Device"),
                          "suppliedItem": {"quantity": {"value": 100}, "itemCodeableConcept": sct(
                              "337388004", "Blood glucose testing strips (physical object)")},
                          "occurrenceDateTime": ts(t + dt.timedelta(days=1))})
                t += dt.timedelta(days=rng.randint(300, 420))

    def child_history(self):
        rng = self.rng
        birth_day = local_day(self.birth_instant)
        first = True
        for months, vaccines in CHILD_SCHEDULE:
            day = birth_day + dt.timedelta(days=int(months * 30.44) + rng.randint(0, 10))
            if wall(day, 17, 0) >= self.end - dt.timedelta(days=2):
                break
            v = self.visit("wellchild", self.day_time(day, "clinic"))
            self.vitals(v)
            for vac in vaccines:
                self.immunize(vac, v)
            if months >= 6 and local_day(v["start"]).month in (9, 10, 11, 12, 1):
                self.immunize("flu", v)
            if months >= 12 and rng.random() < 0.15:
                self.panel("cbc", v)
            if first or rng.random() < 0.4:
                self.note(v, self.note_lines(v, "Well child visit."))
            first = False
            if months >= 6 and rng.random() < 0.5:
                t = v["start"] + dt.timedelta(days=rng.randint(30, 200))
                if t < self.end - dt.timedelta(days=8):
                    code, display = OTITIS if rng.random() < 0.5 else ACUTE[2]
                    s = self.visit("symptom", self.day_time(local_day(t), "clinic"),
                                   reason=(code, display))
                    self.vitals(s, full=False)
                    cid = self.condition(code, display, s["start"], s,
                                         s["start"] + dt.timedelta(days=14))
                    self.prescribe("amoxicillin", s, "completed", cid)
        self.recent_panel()

    # -- the release rules' edge cases (as before, plus the new ones) --

    def edge_cases(self):
        rng, i, end = self.rng, self.i, self.end

        def when(days_back):
            return end - dt.timedelta(days=days_back, seconds=rng.randint(0, 86399))

        for hours in (71, 73):  # Right at the release delay.
            t = end - dt.timedelta(hours=hours)
            self.add({"resourceType": "Observation", "id": self.rid("o"), "status": "final",
                      "category": LAB_CAT,
                      "code": cc(LOINC, "2345-7", f"Glucose ({hours} h old)"), "subject": self.ref,
                      "effectiveDateTime": ts(t), "issued": ts(t),
                      "valueQuantity": qty(num("99"), "mg/dL")})
        for months in (23, 25):  # Imaging reports either side of the 2-year window.
            t = end - dt.timedelta(days=int(months * 30.44))
            self.chest_xray(None, t, "LP29684-5", f"Chest X-ray ({months} months old)")
        pathology = [[cc(LOINC, "LP7839-6", "Pathology")], [cc(V2_0074, "PAT")],
                     [cc(V2_0074, "SP")], [cc(V2_0074, "CP"), cc(V2_0074, "LAB")]]
        for k, category in enumerate(pathology):  # Pathology coded each way: never shown.
            t = when(rng.randint(5, 300))
            r = {"resourceType": "DiagnosticReport", "id": self.rid("r"), "status": "final",
                 "category": category, "code": cc(LOINC, "60567-5", "Pathology report"),
                 "subject": self.ref, "effectiveDateTime": ts(t), "issued": ts(t)}
            if k < 2 and i % 3 == k:  # The trap: its results are tagged laboratory.
                r["result"] = self.pathology_results(t)
            self.add(r)
        if i % 5 == 2:  # A pathology study under the LAB category, results tagged laboratory.
            t = when(rng.randint(10, 200))
            self.add({"resourceType": "DiagnosticReport", "id": self.rid("r"), "status": "final",
                      "category": DR_LAB, "code": cc(LOINC, "11526-1", "Pathology study"),
                      "subject": self.ref, "effectiveDateTime": ts(t), "issued": ts(t, ms=True),
                      "result": self.pathology_results(t)})
        self.add({"resourceType": "DocumentReference", "id": self.rid("d"), "status": "current",
                  "type": cc(LOINC, "11526-1", "Pathology study"), "subject": self.ref,
                  "date": ts(when(30)), "description": "Pathology study"})
        for code, name in (("34117-2", "History and physical"),
                           ("11488-4", "Consultation note")):
            self.add({"resourceType": "DocumentReference", "id": self.rid("d"),
                      "status": "current", "type": cc(LOINC, code, name), "subject": self.ref,
                      "date": ts(when(200)), "description": name})
        for year in (2011, 2013):
            if year > self.birth_instant.year:
                self.add({"resourceType": "DocumentReference", "id": self.rid("d"),
                          "status": "current", "type": cc(LOINC, "51852-2", "Letter"),
                          "subject": self.ref, "date": f"{year}-03-15T10:00:00Z",
                          "description": f"Letter from {year}"})
        self.notes_corrected()
        self.allergies()
        if i % 6 == 2 and self.visits:  # A vaccine refused.
            self.immunize("hepb_adult" if self.adult else "hpv", self.visits[-1], "not-done")
        if self.adult:  # A coded answer, not a quantity.
            v = self.visits[0]
            self.add({"resourceType": "Observation", "id": self.rid("o"), "status": "final",
                      "category": LAB_CAT,
                      "code": cc(LOINC, "5196-1", "Hepatitis B virus surface Ag [Presence] in "
                                 "Serum or Plasma by Immunoassay"),
                      "subject": self.ref, "encounter": self.enc_ref(v),
                      "effectiveDateTime": ts(v["start"]), "issued": ts(v["end"], ms=True),
                      "valueCodeableConcept": cc(LOINC, "LA6577-6", "Negative")})
        if i % 25 == 14 and self.visits:  # A diagnosis entered in error.
            v = self.visits[-1]
            self.condition(*CHRONIC["migraine"][:2], v["start"], v,
                           verification="entered-in-error")
        self.add({"resourceType": "Observation", "id": self.rid("o"), "status": "final",
                  "category": LAB_CAT, "code": {"text": HOSTILE[rng.randrange(len(HOSTILE))]},
                  "subject": self.ref, "effectiveDateTime": ts(when(10)),
                  "issued": ts(when(10)), "valueString": "<img src=x onerror=alert(1)>"})

    def pathology_results(self, t):
        out = []
        for code, display, text in (
                ("22634-0", "Pathology report gross observation Narrative",
                 "Received in formalin, a tan-pink polypoid fragment measuring 0.4 cm."),
                ("22637-3", "Pathology report final diagnosis Narrative",
                 "Tubular adenoma. Negative for high-grade dysplasia.")):
            oid = self.add({"resourceType": "Observation", "id": self.rid("o"),
                            "status": "final", "category": LAB_CAT,
                            "code": cc(LOINC, code, display), "subject": self.ref,
                            "effectiveDateTime": ts(t), "issued": ts(t), "valueString": text})
            out.append(ref("Observation", oid, display))
        return out

    def notes_corrected(self):
        """A superseded note and its replacement; notes entered in error."""
        i = self.i
        recent = [v for v in self.visits if v["kind"] in ("wellness", "wellchild")][-1:]
        if not recent:
            return
        v = recent[0]
        h_and_p = ("34117-2", "History and physical note")
        if i % 3 == 1:
            old = self.note(v, ["# Assessment\nPreliminary dictation."], h_and_p,
                            status="superseded", doc_status="final")
            self.note(v, ["# Assessment\nCorrected dictation."], h_and_p, doc_status="amended",
                      replaces=old)
        if i % 5 == 3:
            self.note(v, ["# Assessment\nWrong patient."], h_and_p, status="entered-in-error")
        if i % 7 == 2:
            self.note(v, ["# Assessment\nDictation error."], h_and_p, doc_status="entered-in-error")

    def allergies(self):
        rng, i = self.rng, self.i
        t = self.birth_instant + (self.end - self.birth_instant) * rng.uniform(0.2, 0.9)
        count = 0 if i % 4 == 0 else rng.choice([0, 0, 0, 1, 1, 2, 3])
        base = {"resourceType": "AllergyIntolerance"}
        if count == 0:
            if i % 4 == 0 or rng.random() < 0.5:
                self.add({**base, "id": self.rid("a"),
                          "clinicalStatus": term(TERM + "allergyintolerance-clinical", "active"),
                          "verificationStatus": term(TERM + "allergyintolerance-verification",
                                                   "confirmed"),
                          "code": sct(*NO_KNOWN_ALLERGY), "patient": self.ref,
                          "recordedDate": ts(t)})
            return
        for k, (system, code, display, category, criticality, reaction, severity) in enumerate(
                rng.sample(ALLERGENS, count)):
            a = {**base, "id": self.rid("a"),
                 "clinicalStatus": term(TERM + "allergyintolerance-clinical",
                                      "inactive" if k == 2 else "active"),
                 "verificationStatus": term(TERM + "allergyintolerance-verification", "confirmed"),
                 "type": "allergy", "category": [category], "criticality": criticality,
                 "code": cc(system, code, display), "patient": self.ref,
                 "recordedDate": ts(t + dt.timedelta(days=30 * k)),
                 "reaction": [{"manifestation": [sct(*reaction)], "severity": severity}]}
            self.add(a)

    def death(self):
        v = self.visit("death", self.end - dt.timedelta(hours=2))
        cause = ("22298006", "Myocardial infarction (disorder)")
        self.add({"resourceType": "Observation", "id": self.rid("o"), "status": "final",
                  "category": obs_cat("exam", "Exam"),
                  "code": cc(LOINC, "69453-9", "Cause of Death [US Standard Certificate of "
                             "Death]"),
                  "subject": self.ref, "encounter": self.enc_ref(v),
                  "effectiveDateTime": ts(v["start"]), "issued": ts(v["start"], ms=True),
                  "valueCodeableConcept": sct(*cause)})

    # -- claims, provenance --

    def claims(self, since):
        """A Claim and its ExplanationOfBenefit for each visit of the payer feed's years."""
        rng = self.rng
        for v in self.visits:
            if v["start"] < since:
                continue
            institutional = v["kind"] in ("ed", "inpatient")
            ctype = term(TERM + "claim-type", "institutional" if institutional else "professional",
                       text=False)
            period = {"start": ts(v["start"]), "end": ts(v["end"])}
            prices = [rng.randint(80, 900 if institutional else 250) + rng.randint(0, 99) / 100
                      for _ in v["items"]]
            total = sum(prices)
            money = lambda value: {"value": dec(value, 2), "currency": "USD"}  # noqa: E731
            cid = self.rid("cl")
            claim = {"resourceType": "Claim", "id": cid, "status": "active", "type": ctype,
                     "use": "claim", "patient": self.ref, "billablePeriod": period,
                     "created": ts(v["end"]),
                     "provider": ref("Organization", ORG_OF[v["loc"]], NAMES[ORG_OF[v["loc"]]]),
                     "priority": term(TERM + "processpriority", "normal", text=False),
                     "facility": ref("Location", v["loc"], NAMES[v["loc"]])}
            if v["diagnoses"]:
                claim["diagnosis"] = [{"sequence": k + 1,
                                       "diagnosisReference": ref("Condition", c)}
                                      for k, c in enumerate(v["diagnoses"])]
            claim["insurance"] = [{"sequence": 1, "focal": True,
                                   "coverage": {"display": self.payer}}]
            claim["item"] = [{"sequence": k + 1, "productOrService": bare(item),
                              **({"encounter": [self.enc_ref(v)]} if k == 0 else {}),
                              "net": money(price)}
                             for k, (item, price) in enumerate(zip(v["items"], prices))]
            claim["total"] = money(total)
            self.add(claim)
            paid = 0.0 if self.payer == "NO_INSURANCE" else 0.8
            adjudication = lambda amount: [  # noqa: E731
                {"category": term(TERM + "adjudication", "submitted", "Submitted Amount",
                                text=False), "amount": money(amount)},
                {"category": term(TERM + "adjudication", "benefit", "Benefit Amount", text=False),
                 "amount": money(amount * paid)}]
            self.add({"resourceType": "ExplanationOfBenefit", "id": self.rid("eob"),
                      "contained": [{"resourceType": "Coverage", "id": "coverage",
                                     "status": "active", "type": {"text": self.payer},
                                     "beneficiary": self.ref, "payor": [{"display": self.payer}]}],
                      "status": "active", "type": ctype, "use": "claim", "patient": self.ref,
                      "billablePeriod": period, "created": ts(v["end"]),
                      "insurer": {"display": self.payer},
                      "provider": ref("Practitioner", v["prac"]),
                      "claim": ref("Claim", cid), "outcome": "complete",
                      "careTeam": [{"sequence": 1, "provider": ref("Practitioner", v["prac"]),
                                    "role": term(TERM + "claimcareteamrole", "primary",
                                               "Primary provider", text=False)}],
                      "insurance": [{"focal": True, "coverage": {"reference": "#coverage",
                                                                 "display": self.payer}}],
                      "item": [{"sequence": 1,
                                "productOrService": bare(v["items"][0]),
                                "encounter": [self.enc_ref(v)], "net": money(total),
                                "adjudication": adjudication(total)}],
                      "total": adjudication(total)[:1],
                      "payment": {"amount": money(total * paid)}})

    def provenance(self):
        # Who wrote the record: the patient and every authored document and report.
        targets = [ref(r["resourceType"], r["id"]) for r in self.resources
                   if r["resourceType"] in ("Patient", "DocumentReference", "DiagnosticReport")]
        self.add({"resourceType": "Provenance", "id": f"{self.pid}-prov", "target": targets,
                  "recorded": ts(self.as_of - dt.timedelta(hours=1), ms=True),
                  "agent": [{"type": term(TERM + "provenance-participant-type", "author", "Author"),
                             "who": ref("Practitioner", self.pcp, NAMES[self.pcp]),
                             "onBehalfOf": ref("Organization", ORG_OF[LOC_OF[self.pcp]],
                                               NAMES[ORG_OF[LOC_OF[self.pcp]]])},
                            {"type": term(TERM + "provenance-participant-type", "transmitter",
                                        "Transmitter"),
                             "who": ref("Organization", "org-backus", NAMES["org-backus"])}]})

    def build(self):
        self.given_vaccines = set()
        self.active_rx = {}
        self.employment = EMPLOYMENT[0]
        self.demographics()
        self.history()
        self.edge_cases()
        if self.i % 25 == 5:
            self.death()
        self.claims(self.end - dt.timedelta(days=5 * 365))
        self.provenance()
        return self.resources


# ---- output ---------------------------------------------------------------------------------

UUID_NS = uuid.UUID("6f1c2d3e-4b5a-5c6d-8e7f-a0b1c2d3e4f5")


def full_url(key):
    return "urn:uuid:" + str(uuid.uuid5(UUID_NS, key))


def rewrite(value, local, shared):
    """A copy of `value` with "Type/id" references made Bundle references."""
    if isinstance(value, dict):
        out = {k: rewrite(v, local, shared) for k, v in value.items()}
        target = value.get("reference")
        if isinstance(target, str):
            if target in local:
                out["reference"] = local[target]
            elif target in shared:
                out["reference"] = shared[target]
        return out
    if isinstance(value, list):
        return [rewrite(v, local, shared) for v in value]
    return value


def conditional(resource):
    ident = resource["identifier"][0]
    return f"{resource['resourceType']}?identifier={ident['system']}|{ident['value']}"


def bundle(resources, shared_refs, shared_bundle=False):
    keys = [f"{r['resourceType']}/{r['id']}" for r in resources]
    local = {k: full_url(k) for k in keys}
    entries = []
    for key, r in zip(keys, resources):
        request = {"method": "POST", "url": r["resourceType"]}
        if shared_bundle:
            request["ifNoneExist"] = conditional(r).split("?", 1)[1]
        entries.append({"fullUrl": local[key], "resource": rewrite(r, local, shared_refs),
                        "request": request})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


class Output:
    def __init__(self, out, bundles):
        self.out, self.bundles = out, bundles
        self.files = {}
        self.bytes = 0
        self.count = 0
        self.shared_refs = {}

    def write(self, name, text):
        self.bytes += len(text)
        f = self.files.get(name)
        if f is None:
            f = self.files[name] = open(os.path.join(self.out, name), "w")
        f.write(text)

    def shared(self, resources):
        self.count += len(resources)
        if self.bundles:
            self.shared_refs = {f"{r['resourceType']}/{r['id']}": conditional(r)
                                for r in resources}
            self.write("hospitalInformation.json", dumps(bundle(resources, {}, True)) + "\n")
            self.files.pop("hospitalInformation.json").close()
        else:
            self.ndjson(resources)

    def patient(self, pid, resources):
        self.count += len(resources)
        if self.bundles:
            self.write(f"{pid}.json", dumps(bundle(resources, self.shared_refs)) + "\n")
            self.files.pop(f"{pid}.json").close()
        else:
            self.ndjson(resources)

    def ndjson(self, resources):
        for r in resources:
            self.write(f"{r['resourceType']}.000.ndjson", dumps(r) + "\n")

    def close(self):
        for f in self.files.values():
            f.close()


def main():
    args = [a for a in sys.argv[1:] if a != "--bundles"]
    if not args or any(a.startswith("--") for a in args) or len(args) > 3:
        sys.exit("usage: synth_fhir.py OUT_DIR [N=20] [AS_OF=2025-06-01T00:00:00Z] [--bundles]")
    out = args[0]
    n = int(args[1]) if len(args) > 1 else 20
    as_of = dt.datetime.fromisoformat((args[2] if len(args) > 2
                                       else "2025-06-01T00:00:00+00:00").replace("Z", "+00:00"))
    as_of = as_of.astimezone(UTC)
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.endswith(".ndjson") or name.endswith(".json"):
            os.remove(os.path.join(out, name))
    w = Output(out, "--bundles" in sys.argv[1:])
    w.shared(shared_resources())
    for i in range(n):
        w.patient(f"p{i:06d}", Patient(i, as_of).build())
    w.close()
    kind = "Bundle JSON" if w.bundles else "NDJSON"
    print(f"{n} patients, {w.count} resources, {w.bytes / 1e6:.1f} MB of {kind} in {out}")


if __name__ == "__main__":
    main()
