#include <sys/auxv.h>
#include "chusk_loader.h"

unsigned long chusk_getauxval(unsigned long type) {
    return getauxval(type);
}
