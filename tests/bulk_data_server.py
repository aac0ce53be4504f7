#!/usr/bin/env python3
"""A FHIR Bulk Data Access server for the tests of `portal-gen pull` (issue 17).

It follows the HL7 FHIR Bulk Data Access IG v2.0.0 (STU 2, https://hl7.org/fhir/uv/bulkdata/;
"IG" below, sections named as there) and SMART Backend Services with asymmetric client
authentication (https://hl7.org/fhir/smart-app-launch/backend-services.html and
client-confidential-asymmetric.html; "SMART" below). It is test infrastructure, but a strict one:
what a careful EHR would refuse, it refuses.

    /usr/bin/python3 tests/bulk_data_server.py --data DIR --state DIR
        [--jwks FILE --client-id ID] [--scenario FILE]

Binds 127.0.0.1 on a port of its own choosing and, once listening, writes {"port": N}
atomically to STATE/ready.json. Each request is appended as one JSON line to
STATE/requests.ndjson, written before the answer is sent. DATA holds <Type>.ndjson files of FHIR
R4 resources (passed through byte for byte, so write them minified), optional Group.ndjson and
optional deleted.ndjson ({"type", "id", "deletedAt"[, "patient": "Patient/<id>"]}); it is read
again at every kick-off. The scenario file (JSON, all knobs optional, see KNOBS) is read again
at every request; counters of "the first N answers" restart whenever the file is replaced.

Standard library plus Debian's python3-cryptography only. Synthetic data only.
"""

import argparse
import base64
import calendar
import datetime
import email.utils
import gzip
import hashlib
import json
import os
import re
import secrets
import socket
import socketserver
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

MAX_BODY = 1 << 20  # Request bodies are bounded (1 MiB).
CHUNK = 4096  # Bytes per chunk of a file download.
JWT_MAX_LIFETIME = 300  # SMART: exp "SHALL be no more than five minutes in the future".
CLOCK_ROUNDING = 1  # One second for a client rounding exp up to a whole second.
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NDJSON_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")  # IG _outputFormat
SUPPORTED_PARAMS = ("_outputFormat", "_since", "_type")
ALL_PERMISSIONS = frozenset("cruds")

# FHIR R4 (4.0.1) resource types: what _type, file names and scopes may name.
R4_TYPES = frozenset("""
Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment AppointmentResponse
AuditEvent Basic Binary BiologicallyDerivedProduct BodyStructure Bundle CapabilityStatement
CarePlan CareTeam CatalogEntry ChargeItem ChargeItemDefinition Claim ClaimResponse
ClinicalImpression CodeSystem Communication CommunicationRequest CompartmentDefinition
Composition ConceptMap Condition Consent Contract Coverage CoverageEligibilityRequest
CoverageEligibilityResponse DetectedIssue Device DeviceDefinition DeviceMetric DeviceRequest
DeviceUseStatement DiagnosticReport DocumentManifest DocumentReference EffectEvidenceSynthesis
Encounter Endpoint EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence
EvidenceVariable ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag Goal
GraphDefinition Group GuidanceResponse HealthcareService ImagingStudy Immunization
ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide InsurancePlan Invoice
Library Linkage List Location Measure MeasureReport Media Medication MedicationAdministration
MedicationDispense MedicationKnowledge MedicationRequest MedicationStatement MedicinalProduct
MedicinalProductAuthorization MedicinalProductContraindication MedicinalProductIndication
MedicinalProductIngredient MedicinalProductInteraction MedicinalProductManufactured
MedicinalProductPackaged MedicinalProductPharmaceutical MedicinalProductUndesirableEffect
MessageDefinition MessageHeader MolecularSequence NamingSystem NutritionOrder Observation
ObservationDefinition OperationDefinition OperationOutcome Organization OrganizationAffiliation
Parameters Patient PaymentNotice PaymentReconciliation Person PlanDefinition Practitioner
PractitionerRole Procedure Provenance Questionnaire QuestionnaireResponse RelatedPerson
RequestGroup ResearchDefinition ResearchElementDefinition ResearchStudy ResearchSubject
RiskAssessment RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen
SpecimenDefinition StructureDefinition StructureMap Subscription Substance SubstanceNucleicAcid
SubstancePolymer SubstanceProtein SubstanceReferenceInformation SubstanceSourceMaterial
SubstanceSpecification SupplyDelivery SupplyRequest Task TerminologyCapabilities TestReport
TestScript ValueSet VerificationResult VisionPrescription
""".split())

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
# FHIR R4 datatypes, instant: the regular expression of the specification.
FHIR_INSTANT = re.compile(
    r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?"
    r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))")
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


# --- Scenario knobs -------------------------------------------------------------------------


def _int_at_least(low):
    return lambda v: type(v) is int and v >= low


def _one_of(*values):
    return lambda v: v in values


def _boolean(v):
    return type(v) is bool


def _scope_list(v):
    return type(v) is list and all(type(s) is str and parse_scope(s) for s in v)


# name -> (check, default). An unknown knob or a wrong type answers 500 so a test's typo shows.
KNOBS = {
    "token_lifetime_seconds": (_int_at_least(0), 300),
    "token_expire_after_requests": (_int_at_least(0), None),
    "authorized_scopes": (_scope_list, ["system/*.rs"]),
    "polls_before_ready": (_int_at_least(0), 1),
    "retry_after": (_one_of("seconds", "date", "absurd", "garbage"), "seconds"),
    "retry_after_seconds": (_int_at_least(0), 1),
    "max_resources_per_file": (_int_at_least(1), 1000),
    "error_file": (_boolean, False),
    "manifest_page_size": (_int_at_least(1), None),
    "deleted_bundle_type": (_one_of("transaction", "batch"), "transaction"),
    "deleted_entries_per_bundle": (_int_at_least(1), 10),
    "kickoff_429": (_int_at_least(0), 0),
    "status_429": (_int_at_least(0), 0),
    "kickoff_500_transient": (_int_at_least(0), 0),
    "status_500_transient": (_int_at_least(0), 0),
    "status_fatal": (_boolean, False),
    "gzip": (_boolean, False),
    "cut_file_after_bytes": (_int_at_least(0), None),
    "cut_times": (_int_at_least(0), 1),
    "ranges": (_boolean, False),
    "expire_files_after_downloads": (_int_at_least(0), None),
    "hang": (_one_of("kickoff", "status", "file", "token", None), None),
}


class ScenarioError(Exception):
    pass


def read_scenario(path):
    """The scenario file's knobs with defaults filled in, and a key that changes whenever the
    file is replaced (inode, mtime, content)."""
    values = {name: default for name, (_, default) in KNOBS.items()}
    if not path:
        return values, None
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            raw = f.read(MAX_BODY + 1)
    except FileNotFoundError:
        return values, None
    epoch = (st.st_ino, st.st_mtime_ns, hashlib.sha256(raw).hexdigest())
    try:
        given = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ScenarioError("the scenario file is not JSON: %s" % e)
    if type(given) is not dict:
        raise ScenarioError("the scenario file is not a JSON object")
    for name, value in given.items():
        if name not in KNOBS:
            raise ScenarioError("unknown scenario knob %r" % name)
        if not KNOBS[name][0](value):
            raise ScenarioError("scenario knob %r has a wrong value: %r" % (name, value))
        values[name] = value
    return values, epoch


# --- Time -------------------------------------------------------------------------------------


def parse_instant(text):
    """A FHIR instant as nanoseconds since the epoch, or None when it is not one."""
    if type(text) is not str or not FHIR_INSTANT.fullmatch(text):
        return None
    y, mo, d = int(text[0:4]), int(text[5:7]), int(text[8:10])
    try:
        datetime.date(y, mo, d)
    except ValueError:
        return None
    h, mi, s = int(text[11:13]), int(text[14:16]), int(text[17:19])
    rest, frac_ns = text[19:], 0
    if rest.startswith("."):
        digits = re.match(r"\.([0-9]+)", rest).group(1)
        frac_ns = int(digits.ljust(9, "0"))
        rest = rest[1 + len(digits):]
    offset = 0
    if rest != "Z":
        sign = 1 if rest[0] == "+" else -1
        offset = sign * (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60)
    if s == 60:  # A leap second: the last instant of the minute.
        s, frac_ns = 59, 999_999_999
    return (calendar.timegm((y, mo, d, h, mi, s)) - offset) * 10**9 + frac_ns


def format_instant(ns):
    """A FHIR instant in UTC with milliseconds."""
    secs, ms = divmod(ns // 10**6, 1000)
    stamp = datetime.datetime.fromtimestamp(secs, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % ms


def http_date(unix_seconds):
    return email.utils.formatdate(unix_seconds, usegmt=True)


# --- FHIR and OAuth bodies ----------------------------------------------------------------------


def operation_outcome(code, text, severity="error"):
    """The body of every FHIR error answer (IG: "The body SHALL be a FHIR OperationOutcome")."""
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": text}]}


def to_json(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class HttpProblem(Exception):
    """An answer that ends the handling of a request: a FHIR OperationOutcome, or with `oauth`
    an RFC 6749 section 5.2 error object."""

    def __init__(self, status, code, text, headers=None, oauth=False, severity="error"):
        super().__init__(text)
        self.status, self.code, self.text = status, code, text
        self.headers = headers or {}
        self.oauth, self.severity = oauth, severity


# --- SMART scopes -------------------------------------------------------------------------------

SCOPE_V1 = re.compile(r"system/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)")
SCOPE_V2 = re.compile(r"system/(\*|[A-Z][A-Za-z]+)\.(c?r?u?d?s?)")
V1_PERMISSIONS = {"read": frozenset("rs"), "write": frozenset("cud"), "*": ALL_PERMISSIONS}


def parse_scope(text):
    """(type or "*", permissions) for a SMART v1 (system/T.read) or v2 (system/T.rs) system
    scope; None for anything else (granular v2 scopes with "?" are not supported)."""
    m = SCOPE_V1.fullmatch(text)
    if m:
        permissions = V1_PERMISSIONS[m.group(2)]
    else:
        m = SCOPE_V2.fullmatch(text)
        if not m or not m.group(2):
            return None
        permissions = frozenset(m.group(2))
    if m.group(1) != "*" and m.group(1) not in R4_TYPES:
        return None
    return m.group(1), permissions


def covers(granting, wanted):
    return granting[0] in ("*", wanted[0]) and wanted[1] <= granting[1]


def may_read(scopes, resource_type):
    """SMART: the access token's scope must cover the resources exported (read)."""
    return any(t in ("*", resource_type) and "r" in p for t, p in scopes)


# --- JWKS and the client's authentication JWT ---------------------------------------------------


def b64url_decode(text):
    """RFC 7515 base64url without padding; ValueError when it is not that."""
    if not BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_int(text, size=None):
    raw = b64url_decode(text)
    if size is not None and len(raw) != size:
        raise ValueError("a coordinate of %d bytes, not %d" % (len(raw), size))
    return int.from_bytes(raw, "big")


def load_jwks(path):
    """The registered JWK Set: [(kid, kty, alg or None, public key)]. SMART: each JWK has kty
    and kid and bare key values (RSA n, e; EC crv, x, y)."""
    with open(path, "rb") as f:
        jwks = json.loads(f.read().decode("utf-8"))
    if type(jwks) is not dict or type(jwks.get("keys")) is not list or not jwks["keys"]:
        raise ValueError("%s is not a JWK Set with keys" % path)
    keys = []
    for jwk in jwks["keys"]:
        if type(jwk) is not dict or type(jwk.get("kid")) is not str or not jwk["kid"]:
            raise ValueError("every JWK needs a kid")
        if jwk.get("use", "sig") != "sig":
            continue
        if jwk.get("kty") == "EC":
            if jwk.get("crv") != "P-384":
                raise ValueError("EC key %s: only P-384 (ES384) is supported" % jwk["kid"])
            numbers = ec.EllipticCurvePublicNumbers(b64url_int(jwk["x"], 48),
                                                    b64url_int(jwk["y"], 48), ec.SECP384R1())
            key = numbers.public_key()
        elif jwk.get("kty") == "RSA":
            key = rsa.RSAPublicNumbers(b64url_int(jwk["e"]), b64url_int(jwk["n"])).public_key()
            if key.key_size < 2048:  # RFC 7518 section 3.3
                raise ValueError("RSA key %s is shorter than 2048 bits" % jwk["kid"])
        else:
            raise ValueError("JWK %s: kty must be EC or RSA" % jwk["kid"])
        keys.append((jwk["kid"], jwk["kty"], jwk.get("alg"), key))
    return keys


def verify_signature(alg, key, signing_input, signature):
    """RFC 7518 section 3.4 (ES384: the JOSE signature is r || s, 48 bytes each) and 3.3
    (RS384: RSASSA-PKCS1-v1_5 with SHA-384)."""
    try:
        if alg == "ES384":
            if len(signature) != 96:
                return False
            der = utils.encode_dss_signature(int.from_bytes(signature[:48], "big"),
                                             int.from_bytes(signature[48:], "big"))
            key.verify(der, signing_input, ec.ECDSA(hashes.SHA384()))
        else:
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA384())
        return True
    except InvalidSignature:
        return False


def decode_jwt(token):
    """(header, claims, signing input, signature) of a compact JWS; ValueError otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("client_assertion is not a compact JWS (three dot-separated parts)")
    header = json.loads(b64url_decode(parts[0]).decode("utf-8"))
    claims = json.loads(b64url_decode(parts[1]).decode("utf-8"))
    if type(header) is not dict or type(claims) is not dict:
        raise ValueError("the JWT header and claims must be JSON objects")
    return header, claims, (parts[0] + "." + parts[1]).encode("ascii"), b64url_decode(parts[2])


def is_number(v):
    return type(v) in (int, float)


def check_client_assertion(header, claims, signing_input, signature, keys, client_id,
                           token_url, now):
    """SMART client-confidential-asymmetric, "Signature Verification", and RFC 7523 section 3.
    Returns None when the JWT authenticates the client, else why not."""
    alg = header.get("alg")
    if alg not in ("ES384", "RS384"):
        return "JWT alg must be ES384 or RS384, not %r" % (alg,)
    if header.get("typ") != "JWT":
        return "JWT header typ must be \"JWT\""
    if "crit" in header:
        return "JWT crit header parameters are not supported"
    if "jku" in header:  # SMART: a jku must match the registered JWKS URL; none is registered.
        return "JWT jku is not the registered JWK Set"
    kid = header.get("kid")
    if type(kid) is not str or not kid:
        return "JWT header kid is required"
    kty = "EC" if alg == "ES384" else "RSA"
    candidates = [k for k in keys if k[0] == kid and k[1] == kty and k[2] in (None, alg)]
    if len(candidates) != 1:
        return "no single registered %s key with kid %r" % (kty, kid)
    if not verify_signature(alg, candidates[0][3], signing_input, signature):
        return "JWT signature does not verify with key %r" % kid
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        return "JWT iss and sub must both be the registered client_id"
    aud = claims.get("aud")
    if not (aud == token_url or (type(aud) is list and token_url in aud)):
        return "JWT aud must be the token endpoint URL %s" % token_url
    exp = claims.get("exp")
    if not is_number(exp):
        return "JWT exp is required (NumericDate)"
    if exp <= now:
        return "JWT expired"
    if exp > now + JWT_MAX_LIFETIME + CLOCK_ROUNDING:
        return "JWT exp is more than five minutes in the future"
    if "nbf" in claims and (not is_number(claims["nbf"]) or claims["nbf"] > now + CLOCK_ROUNDING):
        return "JWT nbf is in the future"
    if type(claims.get("jti")) is not str or not claims["jti"]:
        return "JWT jti is required"
    return None


# --- Test data ----------------------------------------------------------------------------------


class DataError(Exception):
    pass


class Resource:
    __slots__ = ("type", "id", "updated", "line", "patients")

    def __init__(self, rtype, rid, updated, line, patients):
        self.type, self.id, self.updated, self.line, self.patients = (rtype, rid, updated, line,
                                                                       patients)


def patient_id(reference, base):
    """The id in "Patient/<id>" (or an absolute one under this server's base), else None."""
    if type(reference) is not str:
        return None
    if reference.startswith(base + "/"):
        reference = reference[len(base) + 1:]
    m = re.fullmatch(r"Patient/([A-Za-z0-9\-.]{1,64})(/_history/[A-Za-z0-9\-.]{1,64})?",
                     reference)
    return m.group(1) if m else None


def patients_of(resource, base):
    """The patients a resource is about: itself for a Patient, else whom its subject, patient or
    beneficiary reference names (the Patient compartment, reduced to those three links)."""
    if resource.get("resourceType") == "Patient":
        return {resource.get("id")}
    found = set()
    for field in ("subject", "patient", "beneficiary"):
        value = resource.get(field)
        for ref in value if type(value) is list else [value]:
            if type(ref) is dict:
                pid = patient_id(ref.get("reference"), base)
                if pid:
                    found.add(pid)
    return found


def read_ndjson(path):
    """[(line number, raw line without its ending, parsed value)]."""
    with open(path, "rb") as f:
        raw = f.read()
    rows = []
    for number, line in enumerate(raw.split(b"\n"), 1):
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line.strip():
            continue
        try:
            rows.append((number, line, json.loads(line.decode("utf-8"))))
        except (UnicodeDecodeError, ValueError) as e:
            raise DataError("%s:%d is not JSON: %s" % (path, number, e))
    return rows


def load_data(data_dir, base):
    """The resources of DATA in file order, the Groups by id and the deletions."""
    resources, seen, deletions = [], set(), []
    for name in sorted(os.listdir(data_dir)):
        path = os.path.join(data_dir, name)
        if not name.endswith(".ndjson") or not os.path.isfile(path):
            continue
        if name == "deleted.ndjson":
            for number, _, row in read_ndjson(path):
                where = "%s:%d" % (path, number)
                if (type(row) is not dict or row.get("type") not in R4_TYPES
                        or type(row.get("id")) is not str or not FHIR_ID.fullmatch(row["id"])
                        or parse_instant(row.get("deletedAt")) is None):
                    raise DataError(where + ": needs type, id and deletedAt (an instant)")
                pid = patient_id(row.get("patient"), base) if "patient" in row else None
                if "patient" in row and pid is None:
                    raise DataError(where + ": patient must be \"Patient/<id>\"")
                patients = {row["id"]} if row["type"] == "Patient" else ({pid} if pid else set())
                deletions.append((row["type"], row["id"], parse_instant(row["deletedAt"]),
                                  patients))
            continue
        rtype = name[:-len(".ndjson")]
        if rtype not in R4_TYPES:
            raise DataError("%s is not named after a FHIR R4 resource type" % path)
        for number, line, res in read_ndjson(path):
            where = "%s:%d" % (path, number)
            if type(res) is not dict or res.get("resourceType") != rtype:
                raise DataError(where + ": resourceType must be " + rtype)
            if type(res.get("id")) is not str or not FHIR_ID.fullmatch(res["id"]):
                raise DataError(where + ": id is not a FHIR id")
            meta = res.get("meta")
            updated = parse_instant(meta.get("lastUpdated")) if type(meta) is dict else None
            if updated is None:
                raise DataError(where + ": meta.lastUpdated must be a FHIR instant")
            if (rtype, res["id"]) in seen:
                raise DataError(where + ": %s/%s appears twice" % (rtype, res["id"]))
            seen.add((rtype, res["id"]))
            resources.append((Resource(rtype, res["id"], updated, line, patients_of(res, base)),
                              res))
    groups = {res["id"]: res for r, res in resources if r.type == "Group"}
    return [r for r, _ in resources], groups, deletions


def group_members(group, base):
    """Group.member[].entity references to Patients, less members flagged inactive."""
    members = set()
    for member in group.get("member") or []:
        if type(member) is dict and member.get("inactive") is not True:
            entity = member.get("entity")
            pid = patient_id(entity.get("reference"), base) if type(entity) is dict else None
            if pid:
                members.add(pid)
    return members


# --- Export jobs --------------------------------------------------------------------------------


class Job:
    def __init__(self, job_id, request_url):
        self.id, self.request_url = job_id, request_url
        self.transaction_time = None
        self.files = {}  # name -> bytes
        self.output, self.deleted, self.error = [], [], []
        self.polls = 0  # In-progress answers given so far.
        self.dead = False  # A fatal error ended it.
        self.downloads = {}  # name -> downloads started


def transaction_time(resources, deletions):
    """IG "transactionTime": the server's time when the query runs; it includes what was modified
    up to and including it. Milliseconds, moved on while a record carries that very instant so
    that it is strictly after everything included."""
    tx = time.time_ns() // 10**6 * 10**6
    stamps = {r.updated for r in resources} | {d[2] for d in deletions}
    while tx in stamps:
        tx += 10**6
    return tx


def chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def build_job(job, kickoff, resources, deletions, scenario, base_url):
    """Fills the job's files and manifest entries (IG "Response - Complete Status")."""
    tx = transaction_time(resources, deletions)
    job.transaction_time = tx
    since, types, in_scope = kickoff["since"], kickoff["types"], kickoff["in_scope"]
    # IG "deleted": a resource deleted after its last update is gone from output.
    deleted_at = {}
    for rtype, rid, when, _ in deletions:
        if when <= tx:
            deleted_at[(rtype, rid)] = max(when, deleted_at.get((rtype, rid), when))
    by_type, live = {}, set()
    for r in resources:
        if r.type not in types or not in_scope(r.type, r.patients) or r.updated > tx:
            continue
        gone = deleted_at.get((r.type, r.id))
        if gone is not None and gone >= r.updated:
            continue
        live.add((r.type, r.id))
        if since is None or r.updated > since:  # IG _since: lastUpdated later than _since.
            by_type.setdefault(r.type, []).append(r.line)
    size = scenario["max_resources_per_file"]
    for rtype in sorted(by_type):
        for n, lines in enumerate(chunks(by_type[rtype], size), 1):
            name = "%s.%d.ndjson" % (rtype, n)
            job.files[name] = b"".join(line + b"\n" for line in lines)
            job.output.append({"type": rtype, "url": file_url(base_url, job, name),
                               "count": len(lines)})
    if since is not None:
        known_patients = {(r.type, r.id): r.patients for r in resources}
        build_deleted(job, since, tx, types, in_scope, deletions, live, known_patients, scenario,
                      base_url)
    build_errors(job, kickoff["warnings"], scenario, base_url)


def build_deleted(job, since, tx, types, in_scope, deletions, live, known_patients, scenario,
                  base_url):
    """IG "deleted": files of Bundles (type transaction per the IG) whose entries have
    request.method DELETE and request.url "Type/id", for deletions after _since."""
    urls = []
    for rtype, rid, when, patients in deletions:
        patients = patients | known_patients.get((rtype, rid), set())
        if (since < when <= tx and rtype in types and (rtype, rid) not in live
                and in_scope(rtype, patients) and "%s/%s" % (rtype, rid) not in urls):
            urls.append("%s/%s" % (rtype, rid))
    bundles = [{"resourceType": "Bundle", "id": secrets.token_hex(8),
                "meta": {"lastUpdated": format_instant(tx)},
                "type": scenario["deleted_bundle_type"],
                "entry": [{"request": {"method": "DELETE", "url": url}} for url in group]}
               for group in chunks(urls, scenario["deleted_entries_per_bundle"])]
    for n, group in enumerate(chunks(bundles, scenario["max_resources_per_file"]), 1):
        name = "deleted.%d.ndjson" % n
        job.files[name] = b"".join(to_json(b) + b"\n" for b in group)
        job.deleted.append({"type": "Bundle", "url": file_url(base_url, job, name),
                            "count": len(group)})


def build_errors(job, warnings, scenario, base_url):
    """IG "error": NDJSON of OperationOutcome resources. One per parameter ignored under
    Prefer: handling=lenient, and a synthetic error when the scenario asks for one."""
    outcomes = [dict(operation_outcome("not-supported", w, "warning"), id=secrets.token_hex(8))
                for w in warnings]
    if scenario["error_file"]:
        outcomes.append(dict(operation_outcome(
            "processing", "Synthetic export error: one resource could not be exported"),
            id=secrets.token_hex(8)))
    if outcomes:
        job.files["errors.1.ndjson"] = b"".join(to_json(o) + b"\n" for o in outcomes)
        job.error.append({"type": "OperationOutcome",
                          "url": file_url(base_url, job, "errors.1.ndjson"),
                          "count": len(outcomes)})


def file_url(base_url, job, name):
    return "%s/bulkfiles/%s/%s" % (base_url, job.id, name)


def manifest_page(job, page, page_size, requires_token, base_url):
    """IG "Response - Complete Status" body; with manifest_page_size, the partial manifests of
    IG v3 (a link with relation "next"; the other fields the same on every page)."""
    pages = chunks(job.output, page_size) if page_size else [job.output]
    pages = pages or [[]]
    if not 1 <= page <= len(pages):
        return None
    manifest = {"transactionTime": format_instant(job.transaction_time),
                "request": job.request_url, "requiresAccessToken": requires_token,
                "output": pages[page - 1], "error": job.error}
    if page == 1 and job.deleted:
        manifest["deleted"] = job.deleted
    if page < len(pages):
        manifest["link"] = [{"relation": "next",
                             "url": "%s/bulkstatus/%s/manifest/%d" % (base_url, job.id, page + 1)}]
    return manifest


# --- Server state -------------------------------------------------------------------------------


class State:
    def __init__(self, args, keys):
        self.lock = threading.Lock()
        self.data_dir, self.state_dir = args.data, args.state
        self.scenario_path, self.client_id, self.keys = args.scenario, args.client_id, keys
        self.port = None
        self.jobs = {}
        self.tokens = {}  # access token -> {"scopes", "expires", "uses", "scope"}
        self.jtis = set()  # (iss, jti) of every accepted JWT
        self.epoch = None
        self.counters = {}  # "the first N answers" counts, cleared with each new scenario
        self.log_path = os.path.join(args.state, "requests.ndjson")
        self.seq = 0

    @property
    def auth(self):
        return self.keys is not None

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def scenario(self):
        values, epoch = read_scenario(self.scenario_path)
        with self.lock:
            if epoch != self.epoch:
                self.epoch, self.counters = epoch, {}
        return values

    def take(self, key, limit):
        """True for the first `limit` calls with `key` under the current scenario."""
        with self.lock:
            used = self.counters.get(key, 0)
            if used >= limit:
                return False
            self.counters[key] = used + 1
            return True

    def log(self, entry):
        with self.lock:
            self.seq += 1
            entry = dict(seq=self.seq, **entry)
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, to_json(entry) + b"\n")
            finally:
                os.close(fd)


# --- HTTP ---------------------------------------------------------------------------------------


def media_ranges(header):
    """An Accept or Accept-Encoding header as [(lower-case value, q)]."""
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    return ranges


def supported_values(params):
    """{_type, _since, _outputFormat: the values given (repeats joined by commas) or None}."""
    values = {}
    for name in SUPPORTED_PARAMS:
        given = [v for n, v in params if n == name]
        values[name] = ",".join(given) if given else None
    return values


def acceptable(header, values):
    return any(v in values and q > 0 for v, q in media_ranges(header))


def preferences(headers):
    """RFC 7240 Prefer headers as {name: value}."""
    prefs = {}
    for header in headers.get_all("Prefer") or []:
        for part in header.split(","):
            token = part.split(";")[0].strip()
            if token:
                name, _, value = token.partition("=")
                prefs[name.strip().lower()] = value.strip().strip('"').lower()
    return prefs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without TCP_NODELAY a reused connection waits for
    # the client's delayed ACK (40 ms) on each answer, which is not what real servers do.
    disable_nagle_algorithm = True

    def version_string(self):
        return "bulk-data-test-server/1"

    # -- Plumbing --

    @property
    def state(self):
        return self.server.state

    def log_message(self, fmt, *args):  # The request log is requests.ndjson.
        pass

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def do_OPTIONS(self):
        self.dispatch()

    def dispatch(self):
        self.logged, self.note = False, {}
        url = urllib.parse.urlsplit(self.path)
        self.route = urllib.parse.unquote(url.path)
        self.query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        try:
            try:
                self.body = self.read_body()
                self.handle_route()
            except HttpProblem as p:
                self.problem(p)
            except ScenarioError as e:
                self.problem(HttpProblem(500, "exception", "test scenario: %s" % e))
        except (BrokenPipeError, ConnectionResetError):  # The client went away.
            self.close_connection = True
        except Exception:  # Never crash: answer 500 and say why on stderr.
            traceback.print_exc()
            self.close_connection = True
            if not self.logged:
                try:
                    self.problem(HttpProblem(500, "exception", "internal error"))
                except OSError:
                    pass

    def read_body(self):
        """The request body, at most MAX_BODY bytes (Content-Length or chunked)."""
        length = self.headers.get("Content-Length")
        coding = self.headers.get("Transfer-Encoding")
        if length is not None and coding is not None:
            self.close_connection = True
            raise HttpProblem(400, "structure", "both Content-Length and Transfer-Encoding")
        if coding is not None:
            if coding.strip().lower() != "chunked":
                self.close_connection = True
                raise HttpProblem(501, "not-supported", "Transfer-Encoding must be chunked")
            return self.read_chunked()
        if length is None:
            return b""
        if not length.isdigit():
            self.close_connection = True
            raise HttpProblem(400, "structure", "Content-Length is not a number")
        if int(length) > MAX_BODY:
            self.close_connection = True
            raise HttpProblem(413, "too-long", "request body over %d bytes" % MAX_BODY)
        return self.rfile.read(int(length))

    def read_chunked(self):
        body = b""
        while True:
            line = self.rfile.readline(1024)
            size_text = line.split(b";")[0].strip()
            if not re.fullmatch(rb"[0-9A-Fa-f]{1,8}", size_text):
                self.close_connection = True
                raise HttpProblem(400, "structure", "bad chunk size")
            size = int(size_text, 16)
            if size == 0:
                break
            if len(body) + size > MAX_BODY:
                self.close_connection = True
                raise HttpProblem(413, "too-long", "request body over %d bytes" % MAX_BODY)
            body += self.rfile.read(size)
            self.rfile.readline(3)
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
            pass  # Trailer fields.
        return body

    def log_request_line(self, status):
        """One line of requests.ndjson: what the client sent, and the status it got."""
        if self.logged:
            return
        self.logged = True
        query = getattr(self, "query", [])
        values = supported_values(query)
        headers = getattr(self, "headers", None)
        entry = {
            "time": format_instant(time.time_ns()),
            "method": getattr(self, "command", None),
            "path": getattr(self, "route", None),
            "query": [n for n, _ in query],
            "_type": values["_type"],
            "_since": values["_since"],
            "_outputFormat": values["_outputFormat"],
            "status": status,
            "authorization": bool(headers and headers.get("Authorization")),
        }
        for header in ("Accept", "Prefer", "Accept-Encoding", "Range", "Content-Type"):
            entry[header.lower().replace("-", "_")] = headers.get(header) if headers else None
        entry.update(self.note)
        self.state.log(entry)

    def answer(self, status, body=b"", content_type=None, headers=None):
        """A complete answer with Content-Length, logged first."""
        self.log_request_line(status)
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def problem(self, p):
        self.note.setdefault("error", p.text)
        if p.oauth:  # RFC 6749 section 5.2
            body = to_json({"error": p.code, "error_description": p.text})
            headers = dict(p.headers, **{"Cache-Control": "no-store", "Pragma": "no-cache"})
            self.answer(p.status, body, "application/json", headers)
        else:
            self.answer(p.status, to_json(operation_outcome(p.code, p.text, p.severity)),
                        "application/fhir+json", p.headers)

    def send_error(self, code, message=None, explain=None):
        """The base class's errors (bad request line, huge headers, ...) as OperationOutcomes."""
        self.close_connection = True
        self.logged = getattr(self, "logged", False)
        self.note = getattr(self, "note", {})
        text = message or self.responses.get(code, ("error",))[0]
        try:
            self.problem(HttpProblem(code, "structure" if code < 500 else "exception", text))
        except Exception:
            pass

    def hang(self):
        """Scenario "hang": the request was read; the answer never comes. The thread sleeps,
        holding the connection, without blocking others (daemon threads)."""
        self.log_request_line(None)
        while True:
            time.sleep(3600)

    def methods(self, *allowed):
        if self.command not in allowed:
            raise HttpProblem(405, "not-supported", "%s is not allowed here" % self.command,
                              {"Allow": ", ".join(allowed)})

    # -- Routes --

    def handle_route(self):
        route = self.route
        m = re.fullmatch(r"/fhir(?:/Patient|/Group/([^/]*))?/\$export", route)
        if m:
            return self.kickoff(route, m.group(1))
        if route == "/fhir/metadata":
            return self.metadata()
        if route == "/fhir/.well-known/smart-configuration" and self.state.auth:
            return self.smart_configuration()
        if route == "/auth/token" and self.state.auth:
            return self.token()
        m = re.fullmatch(r"/bulkstatus/([0-9a-f]+)(?:/manifest/([1-9][0-9]{0,5}))?", route)
        if m:
            return self.status(m.group(1), int(m.group(2) or 1), m.group(2) is not None)
        m = re.fullmatch(r"/bulkfiles/([0-9a-f]+)/([A-Za-z]+\.[0-9]+\.ndjson)", route)
        if m:
            return self.download(m.group(1), m.group(2))
        raise HttpProblem(404, "not-found", "no such endpoint: %s" % route)

    def metadata(self):
        """A minimal CapabilityStatement naming the Bulk Data operations (IG "Server Capability
        Documentation")."""
        self.methods("GET")
        rest = {"mode": "server",
                "operation": [{"name": "export",
                               "definition": "http://hl7.org/fhir/uv/bulkdata/"
                                             "OperationDefinition/export"}],
                "resource": [
                    {"type": "Patient", "operation": [{
                        "name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/"
                                                        "OperationDefinition/patient-export"}]},
                    {"type": "Group", "operation": [{
                        "name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/"
                                                        "OperationDefinition/group-export"}]}]}
        if self.state.auth:
            rest["security"] = {
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                   "restful-security-service",
                                         "code": "SMART-on-FHIR"}]}],
                "extension": [{"url": "http://fhir-registry.smarthealthit.org/"
                                      "StructureDefinition/oauth-uris",
                               "extension": [{"url": "token",
                                              "valueUri": self.token_url()}]}]}
        body = {"resourceType": "CapabilityStatement", "status": "active",
                "date": "2024-01-01", "kind": "instance", "fhirVersion": "4.0.1",
                "format": ["json"],
                "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/"
                                 "bulk-data"],
                "implementation": {"description": "Bulk Data test server",
                                   "url": self.state.base_url + "/fhir"},
                "rest": [rest]}
        self.answer(200, to_json(body), "application/fhir+json")

    def token_url(self):
        return self.state.base_url + "/auth/token"

    def smart_configuration(self):
        """SMART "Retrieve .well-known/smart-configuration" for client-confidential-asymmetric."""
        self.methods("GET")
        scenario = self.state.scenario()
        scopes = ["system/*.read", "system/*.rs"]
        scopes += [s for s in scenario["authorized_scopes"] if s not in scopes]
        body = {"token_endpoint": self.token_url(),
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["ES384", "RS384"],
                "grant_types_supported": ["client_credentials"],
                "scopes_supported": scopes,
                "capabilities": ["client-confidential-asymmetric", "permission-v1",
                                 "permission-v2"]}
        self.answer(200, to_json(body), "application/json")

    # -- SMART Backend Services: the token endpoint --

    def token(self):
        """SMART "Obtain access token": client_credentials with a private_key_jwt assertion."""
        self.methods("POST")
        scenario = self.state.scenario()
        if scenario["hang"] == "token":
            self.hang()
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise self.oauth(400, "invalid_request",
                             "Content-Type must be application/x-www-form-urlencoded")
        try:
            pairs = urllib.parse.parse_qsl(self.body.decode("utf-8"), keep_blank_values=True,
                                           strict_parsing=bool(self.body))
        except (UnicodeDecodeError, ValueError):
            raise self.oauth(400, "invalid_request", "the body is not a form")
        names = [n for n, _ in pairs]
        self.note["form"] = names
        if len(set(names)) != len(names):  # RFC 6749 section 3.2
            raise self.oauth(400, "invalid_request", "a parameter is repeated")
        form = dict(pairs)
        self.note["grant_type"], self.note["scope"] = form.get("grant_type"), form.get("scope")
        if "grant_type" not in form:
            raise self.oauth(400, "invalid_request", "grant_type is required")
        if form["grant_type"] != "client_credentials":
            raise self.oauth(400, "unsupported_grant_type", "grant_type must be "
                             "client_credentials")
        if form.get("client_assertion_type") != JWT_BEARER:
            raise self.oauth(401, "invalid_client", "client_assertion_type must be " + JWT_BEARER)
        if "client_id" in form and form["client_id"] != self.state.client_id:
            raise self.oauth(401, "invalid_client", "unknown client_id")
        self.authenticate_client(form.get("client_assertion", ""))
        granted = self.grant_scopes(form.get("scope"), scenario)
        access_token = secrets.token_urlsafe(32)
        lifetime = scenario["token_lifetime_seconds"]
        with self.state.lock:
            self.state.tokens[access_token] = {
                "scopes": [parse_scope(s) for s in granted], "expires": time.time() + lifetime,
                "uses": 0}
        body = {"access_token": access_token, "token_type": "bearer", "expires_in": lifetime,
                "scope": " ".join(granted)}
        self.answer(200, to_json(body), "application/json",
                    {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def oauth(self, status, code, text):
        return HttpProblem(status, code, text, oauth=True)

    def authenticate_client(self, assertion):
        """SMART client-confidential-asymmetric "Signature Verification": every failure is
        invalid_client; an accepted jti is never accepted again."""
        try:
            header, claims, signing_input, signature = decode_jwt(assertion)
        except (ValueError, UnicodeDecodeError) as e:
            raise self.oauth(401, "invalid_client", "client_assertion: %s" % e)
        self.note["jwt_header"], self.note["jwt_claims"] = header, claims
        why = check_client_assertion(header, claims, signing_input, signature, self.state.keys,
                                     self.state.client_id, self.token_url(), time.time())
        if why:
            raise self.oauth(401, "invalid_client", why)
        with self.state.lock:
            if (claims["iss"], claims["jti"]) in self.state.jtis:
                raise self.oauth(401, "invalid_client", "JWT jti was used before")
            self.state.jtis.add((claims["iss"], claims["jti"]))

    def grant_scopes(self, requested, scenario):
        """SMART "Evaluate Requested Access": system scopes (v1 or v2 syntax) within the client's
        pre-authorization (scenario authorized_scopes); the others are not granted."""
        if not requested:
            raise self.oauth(400, "invalid_scope", "scope is required")
        tokens = requested.split(" ")
        parsed = [parse_scope(t) for t in tokens]
        if not all(parsed):
            raise self.oauth(400, "invalid_scope", "not a supported system scope: %s"
                             % next(t for t, p in zip(tokens, parsed) if not p))
        allowed = [parse_scope(s) for s in scenario["authorized_scopes"]]
        granted = [t for t, p in zip(tokens, parsed) if any(covers(a, p) for a in allowed)]
        if not granted:
            raise self.oauth(400, "invalid_scope", "no requested scope is authorized for "
                             "this client")
        return granted

    def bearer(self, scenario):
        """SMART "Access FHIR API": a valid, unexpired Bearer token (RFC 6750 errors), or None
        when authorization is off."""
        if not self.state.auth:
            return None
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not TOKEN68.fullmatch(token.strip()):
            raise HttpProblem(401, "login", "a Bearer access token is required",
                              {"WWW-Authenticate": 'Bearer realm="bulk-data"'})
        with self.state.lock:
            record = self.state.tokens.get(token.strip())
            if record is None:
                why = "unknown access token"
            elif time.time() >= record["expires"]:
                why = "the access token expired"
            elif (scenario["token_expire_after_requests"] is not None
                  and record["uses"] >= scenario["token_expire_after_requests"]):
                why = "the access token expired (used %d times)" % record["uses"]
            else:
                record["uses"] += 1
                return record
        raise HttpProblem(401, "expired" if record else "login", why, {
            "WWW-Authenticate": 'Bearer realm="bulk-data", error="invalid_token", '
                                'error_description="%s"' % why})

    # -- Bulk Data Kick-off Request --

    def kickoff(self, route, group_id):
        """IG "Bulk Data Kick-off Request" at system, Patient and Group level, GET or POST."""
        self.methods("GET", "POST")
        scenario = self.state.scenario()
        if scenario["hang"] == "kickoff":
            self.hang()
        token = self.bearer(scenario)
        if self.state.take("kickoff_429", scenario["kickoff_429"]):
            raise HttpProblem(429, "throttled", "too many requests",
                              {"Retry-After": "1"})
        if self.state.take("kickoff_500", scenario["kickoff_500_transient"]):
            raise HttpProblem(500, "transient", "temporarily unavailable, try again",
                              {"Retry-After": "1"})
        # IG "Headers": only application/fhir+json and respond-async are supported.
        if not acceptable(self.headers.get("Accept"), ("application/fhir+json",)):
            raise HttpProblem(400, "not-supported", "Accept must be application/fhir+json")
        prefs = preferences(self.headers)
        if "respond-async" not in prefs:
            raise HttpProblem(400, "not-supported", "Prefer: respond-async is required")
        lenient = prefs.get("handling") == "lenient"
        params = self.kickoff_parameters()
        kickoff = self.check_parameters(params, lenient, token)
        try:
            resources, groups, deletions = load_data(self.state.data_dir,
                                                     self.state.base_url + "/fhir")
        except (DataError, OSError) as e:
            raise HttpProblem(500, "exception", "the test data is broken: %s" % e)
        kickoff["in_scope"] = self.level_filter(route, group_id, groups)
        request_url = self.state.base_url + (self.path if self.command == "GET" else route)
        job = Job(secrets.token_hex(16), request_url)
        build_job(job, kickoff, resources, deletions, scenario, self.state.base_url)
        with self.state.lock:
            self.state.jobs[job.id] = job
        self.note["job"] = job.id
        self.answer(202, b"", None,
                    {"Content-Location": "%s/bulkstatus/%s" % (self.state.base_url, job.id)})

    def kickoff_parameters(self):
        """[(name, value)]: the query of a GET, or the Parameters resource of a POST (IG: "MAY
        support POST requests that supply parameters using the FHIR Parameters Resource")."""
        if self.command == "GET":
            return list(self.query)
        if self.query:
            raise HttpProblem(400, "invalid", "a POST kick-off takes its parameters in the body")
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type not in ("application/fhir+json", "application/json"):
            raise HttpProblem(415, "not-supported", "the body must be application/fhir+json")
        try:
            resource = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise HttpProblem(400, "structure", "the body is not JSON")
        if type(resource) is not dict or resource.get("resourceType") != "Parameters":
            raise HttpProblem(400, "structure", "the body must be a Parameters resource")
        params = []
        for p in resource.get("parameter") or []:
            if type(p) is not dict or type(p.get("name")) is not str:
                raise HttpProblem(400, "structure", "every parameter needs a name")
            values = [k for k in p if k.startswith("value")]
            if len(values) != 1:
                raise HttpProblem(400, "structure", "parameter %s needs one value[x]" % p["name"])
            # The OperationDefinitions' types: _since is an instant, the others strings.
            wanted = {"_since": "valueInstant", "_type": "valueString",
                      "_outputFormat": "valueString"}.get(p["name"], values[0])
            if values[0] != wanted or (wanted in ("valueInstant", "valueString")
                                       and type(p[wanted]) is not str):
                raise HttpProblem(400, "structure", "parameter %s needs %s" % (p["name"], wanted))
            params.append((p["name"], p[values[0]] if type(p[values[0]]) is str else ""))
        self.note["parameters"] = [n for n, _ in params]
        self.note.update(supported_values(params))
        return params

    def check_parameters(self, params, lenient, token):
        """IG "Query Parameters": _outputFormat, _since and _type are supported; any other
        parameter is an error unless Prefer: handling=lenient, when it is ignored and named in
        the error file."""
        warnings, ignored = [], []
        for name, _ in params:
            if name not in SUPPORTED_PARAMS:
                if not lenient:
                    raise HttpProblem(400, "not-supported", "parameter %s is not supported"
                                      % name)
                if name not in ignored:
                    ignored.append(name)
                    warnings.append("parameter %s is not supported and was ignored" % name)
        for name in ("_outputFormat", "_since"):  # 0..1 each
            if sum(1 for n, _ in params if n == name) > 1:
                raise HttpProblem(400, "invalid", "%s may appear once" % name)
        values = {n: v for n, v in params if n in ("_outputFormat", "_since")}
        output_format = values.get("_outputFormat")
        if output_format is not None and output_format not in NDJSON_FORMATS:
            raise HttpProblem(400, "not-supported", "_outputFormat %r is not supported (write + "
                              "as %%2B in a query)" % output_format)
        since = None
        if "_since" in values:
            since = parse_instant(values["_since"])
            if since is None:
                raise HttpProblem(400, "invalid", "_since %r is not a FHIR instant (write + as "
                                  "%%2B in a query)" % values["_since"])
        types = None
        type_values = [v for n, v in params if n == "_type"]
        if type_values:  # IG: repeated _type values count as one comma-delimited list.
            types = [t for v in type_values for t in v.split(",")]
            for t in types:
                if t not in R4_TYPES:
                    if not lenient:
                        raise HttpProblem(400, "not-supported", "_type %r is not a resource "
                                          "type this server exports" % t)
                    warnings.append("_type %r is not a resource type and was ignored" % t)
            types = [t for t in types if t in R4_TYPES]
        scopes = token["scopes"] if token else [("*", ALL_PERMISSIONS)]
        if types is None:  # IG _type: all resources "within the scope of the client authorization"
            types = [t for t in R4_TYPES if may_read(scopes, t)]
        else:  # SMART "Enforce Authorization": asking for what it may not see fails.
            for t in types:
                if not may_read(scopes, t):
                    raise HttpProblem(403, "forbidden", "the access token does not cover %s" % t,
                                      {"WWW-Authenticate": 'Bearer realm="bulk-data", '
                                                           'error="insufficient_scope"'})
        return {"since": since, "types": set(types), "warnings": warnings}

    def level_filter(self, route, group_id, groups):
        """Which resources a kick-off level covers: all (system), those of any patient
        (Patient), those of the Group's members (Group)."""
        if route == "/fhir/$export":
            return lambda rtype, patients: True
        if group_id is None:
            return lambda rtype, patients: bool(patients)
        if group_id not in groups:
            raise HttpProblem(404, "not-found", "no Group %s" % group_id)
        members = group_members(groups[group_id], self.state.base_url + "/fhir")
        return lambda rtype, patients: bool(patients & members)

    # -- Bulk Data Status Request and Delete Request --

    def status(self, job_id, page, paged):
        """IG "Bulk Data Status Request" (and "Bulk Data Delete Request" for DELETE)."""
        self.methods("GET", "DELETE") if not paged else self.methods("GET")
        scenario = self.state.scenario()
        if scenario["hang"] == "status":
            self.hang()
        self.bearer(scenario)
        with self.state.lock:
            job = self.state.jobs.get(job_id)
        if job is None:
            raise HttpProblem(404, "not-found", "no export %s (finished, deleted or never "
                              "started)" % job_id)
        self.note["job"] = job_id
        if self.command == "DELETE":
            with self.state.lock:
                self.state.jobs.pop(job_id, None)
            return self.answer(202, to_json(operation_outcome(
                "informational", "export %s deleted" % job_id, "information")),
                "application/fhir+json")
        if paged:
            return self.send_manifest(job, page, scenario)
        if job.dead:
            raise self.fatal()
        if self.state.take(("status_429", job_id), scenario["status_429"]):
            raise HttpProblem(429, "throttled", "polling too frequently", {"Retry-After": "1"})
        if self.state.take(("status_500", job_id), scenario["status_500_transient"]):
            raise HttpProblem(500, "transient", "status temporarily unavailable, try again",
                              {"Retry-After": "1"})
        if scenario["status_fatal"]:
            job.dead = True
            raise self.fatal()
        with self.state.lock:
            in_progress = job.polls < scenario["polls_before_ready"]
            if in_progress:
                job.polls += 1
                percent = 100 * job.polls // (scenario["polls_before_ready"] + 1)
        if in_progress:  # IG "Response - In-Progress Status"
            return self.answer(202, b"", None, {"X-Progress": "%d%% complete" % percent,
                                                "Retry-After": self.retry_after(scenario)})
        self.send_manifest(job, 1, scenario)

    def fatal(self):
        return HttpProblem(500, "exception", "the export failed and will not complete",
                           severity="fatal")

    def retry_after(self, scenario):
        seconds = scenario["retry_after_seconds"]
        return {"seconds": str(seconds),
                "date": http_date(int(time.time()) + seconds + 1),
                "absurd": "99999999",
                "garbage": "soon"}[scenario["retry_after"]]

    def send_manifest(self, job, page, scenario):
        """IG "Response - Complete Status": 200, application/json, an Expires header."""
        if job.dead:
            raise self.fatal()
        manifest = manifest_page(job, page, scenario["manifest_page_size"], self.state.auth,
                                 self.state.base_url)
        if manifest is None:
            raise HttpProblem(404, "not-found", "no manifest page %d" % page)
        self.answer(200, to_json(manifest), "application/json",
                    {"Expires": http_date(time.time() + 3600)})

    # -- Bulk Data Output File Request --

    def download(self, job_id, name):
        """IG "Bulk Data Output File Request": application/fhir+ndjson, chunked, optionally
        gzip-coded, ranged, cut short or expired as the scenario says."""
        self.methods("GET")
        scenario = self.state.scenario()
        if scenario["hang"] == "file":
            self.hang()
        self.bearer(scenario)  # IG: requiresAccessToken true => a valid access token.
        with self.state.lock:
            job = self.state.jobs.get(job_id)
        if job is None or job.dead or name not in job.files:
            raise HttpProblem(404, "not-found", "no such file")
        accept = self.headers.get("Accept")
        if accept is not None and not acceptable(accept, ("application/fhir+ndjson",
                                                           "application/*", "*/*")):
            raise HttpProblem(406, "not-supported", "files are application/fhir+ndjson")
        limit = scenario["expire_files_after_downloads"]
        with self.state.lock:
            done = job.downloads.get(name, 0)
            if limit is None or done < limit:
                job.downloads[name] = done + 1
        if limit is not None and done >= limit:
            raise HttpProblem(410, "deleted", "the file expired; start a new export")
        data = job.files[name]
        headers = {"Content-Type": "application/fhir+ndjson", "Vary": "Accept-Encoding"}
        if scenario["gzip"] and acceptable(self.headers.get("Accept-Encoding"),
                                           ("gzip", "x-gzip", "*")):
            data = gzip.compress(data, mtime=0)
            headers["Content-Encoding"] = "gzip"
        headers["ETag"] = '"%s"' % hashlib.sha256(data).hexdigest()[:32]
        status, data = self.apply_range(data, headers, scenario)
        cut = None
        if (scenario["cut_file_after_bytes"] is not None
                and self.state.take(("cut", job_id, name), scenario["cut_times"])):
            cut = scenario["cut_file_after_bytes"]
            self.note["cut_after"] = cut
        self.note["job"] = job_id
        self.stream(status, headers, data, cut)

    def apply_range(self, data, headers, scenario):
        """RFC 9110 single byte ranges "bytes=N-" and "bytes=N-M" when the scenario allows
        ranges; other forms and a stale If-Range get the whole file."""
        if not scenario["ranges"]:
            return 200, data
        headers["Accept-Ranges"] = "bytes"
        spec = self.headers.get("Range")
        m = re.fullmatch(r"bytes=([0-9]{1,15})-([0-9]{0,15})", (spec or "").strip())
        if_range = self.headers.get("If-Range")
        if not m or (if_range is not None and if_range != headers["ETag"]):
            return 200, data
        first = int(m.group(1))
        last = min(int(m.group(2)), len(data) - 1) if m.group(2) else len(data) - 1
        if first >= len(data) or (m.group(2) and int(m.group(2)) < first):
            raise HttpProblem(416, "invalid", "range not satisfiable",
                              {"Content-Range": "bytes */%d" % len(data)})
        headers["Content-Range"] = "bytes %d-%d/%d" % (first, last, len(data))
        return 206, data[first:last + 1]

    def stream(self, status, headers, data, cut):
        """The body in chunks, with no Content-Length. With `cut`, the connection closes after
        that many bytes of body, in the middle of a chunk."""
        self.log_request_line(status)
        self.send_response(status)
        for header, value in headers.items():
            self.send_header(header, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        for start in range(0, len(data), CHUNK):
            piece = data[start:start + CHUNK]
            if cut is not None and sent + len(piece) > cut:
                self.wfile.write(b"%x\r\n" % len(piece) + piece[:cut - sent])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_WR)
                return
            self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            sent += len(piece)
        if cut is not None and cut <= sent:  # A cut at or past the end: no last chunk.
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_WR)
            return
        self.wfile.write(b"0\r\n\r\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True  # Hanging handlers never hold up shutdown.
    request_queue_size = 64

    def server_bind(self):  # Without HTTPServer's getfqdn (no name lookups).
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


def write_atomically(path, data):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="folder of <Type>.ndjson files")
    parser.add_argument("--state", required=True, help="folder for ready.json and the log")
    parser.add_argument("--jwks", help="the registered client's JWK Set (turns auth on)")
    parser.add_argument("--client-id", help="the registered client's client_id")
    parser.add_argument("--scenario", help="JSON scenario file, read at every request")
    args = parser.parse_args()
    if bool(args.jwks) != bool(args.client_id):
        parser.error("--jwks and --client-id go together")
    if not os.path.isdir(args.data) or not os.path.isdir(args.state):
        parser.error("--data and --state must be folders")
    keys = None
    if args.jwks:
        try:
            keys = load_jwks(args.jwks)
        except (OSError, ValueError, KeyError, TypeError) as e:
            parser.error("cannot use the JWK Set %s: %s" % (args.jwks, e))
    server = Server(("127.0.0.1", 0), Handler)
    server.state = State(args, keys)
    server.state.port = server.server_address[1]
    write_atomically(os.path.join(args.state, "ready.json"),
                     to_json({"port": server.state.port}))
    server.serve_forever()


if __name__ == "__main__":
    main()
