// hip/hip_cooperative_groups.h on the host: cooperative groups live in one header there.
#include "../cooperative_groups.h"
