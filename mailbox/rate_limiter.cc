#include "mailbox/rate_limiter.h"
