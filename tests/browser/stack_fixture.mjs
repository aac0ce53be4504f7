// The invented patients the real stack ingests (nobody real; names unusual enough that finding
// one in output cannot be chance), as Bulk Data NDJSON written here, not by the code under test.

/**
 * The records: `condition` is a text that each summary shows (an active Condition); `email` is
 * the address on record, which self-registration and Forgot Password need.
 * - desk: staff give an activation code (the letter's path), then messages, replies, changes;
 * - other: a second adult, for proxy cases;
 * - self: registers with the e-mailed code, then forgets the password.
 */
export const PATIENTS = {
  desk: {
    id: 'pat-d1', mrn: 'M300101', given: 'Isolde', family: 'Brackenridge-Vorst',
    birthDate: '1972-04-18', email: 'isolde.bv@example.org',
    condition: 'Marrowfield quartan syndrome',
  },
  other: {
    id: 'pat-d2', mrn: 'M300102', given: 'Cornelius', family: 'Ashgrove-Penhallow',
    birthDate: '1958-11-23', email: 'c.penhallow@example.net',
    condition: 'Penhallow lantern tremor',
  },
  self: {
    id: 'pat-d3', mrn: 'M300103', given: 'Philippa', family: 'Stormoway',
    birthDate: '1985-02-07', email: 'p.stormoway@example.com',
    condition: 'Stormoway harbour cough',
  },
};

const coding = (system, code) => ({ coding: [{ system, code }] });

function patientLine(p) {
  return {
    resourceType: 'Patient',
    id: p.id,
    birthDate: p.birthDate,
    name: [{ given: [p.given], family: p.family }],
    identifier: [{
      type: coding('http://terminology.hl7.org/CodeSystem/v2-0203', 'MR'),
      system: 'http://backushospital.org/mrn',
      value: p.mrn,
    }],
    telecom: [{ system: 'phone', value: '860-555-0199' }, { system: 'email', value: p.email }],
  };
}

function conditionLine(p) {
  return {
    resourceType: 'Condition',
    id: `${p.id}-c1`,
    subject: { reference: `Patient/${p.id}` },
    clinicalStatus: coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
    code: { text: p.condition },
    onsetDateTime: '2019-03-04',
  };
}

/** The extract file's text: every patient and their condition, one resource a line. */
export function extractText() {
  const lines = [];
  for (const p of Object.values(PATIENTS)) {
    lines.push(JSON.stringify(patientLine(p)), JSON.stringify(conditionLine(p)));
  }
  return `${lines.join('\n')}\n`;
}
