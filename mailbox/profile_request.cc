#include "mailbox/profile_request.h"
