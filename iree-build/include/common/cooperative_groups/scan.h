// cooperative_groups/scan.h: cooperative groups live in one header on the host and
// on AMD gfx* (iree_cooperative_groups.h).
#include <cooperative_groups.h>
