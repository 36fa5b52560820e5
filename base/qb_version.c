/* The library's own version, for a program to compare with the QUINCE_VERSION
 * it was compiled against. */
#include "base/qb_version.h"

const char *quince_version(void)
{
    return QUINCE_VERSION;
}
