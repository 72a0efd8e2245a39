// cooperative_groups/reduce.h on the host: cooperative groups live in one header there.
#include "../cooperative_groups.h"
