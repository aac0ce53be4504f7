#include "mailbox/fhir_document.h"
