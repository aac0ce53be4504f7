#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace portal {

// Instants are seconds since the Unix epoch, UTC. One as-of instant drives every time rule, so
// runs are reproducible (`--as-of`).

// Parses a FHIR date, dateTime or instant ("2003", "2003-04", "2003-04-05",
// "2003-04-05T06:07:08Z", optional fraction of up to 9 digits, offsets up to ±14:00); partial
// dates mean their first moment ("2003" is 2003-01-01T00:00:00Z). False if malformed: this is
// also the project's one check that a record's date is valid.
bool ParseFhirInstant(std::string_view text, int64_t* out);

// "2025-06-01T00:00:00Z".
std::string FormatInstant(int64_t instant);

// The same calendar moment `years` later (Feb 29 moves to Mar 1 in a common year).
int64_t AddYears(int64_t instant, int years);

}  // namespace portal
