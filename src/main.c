#include "config.h"
#include <stdio.h>
int main(void) { puts("jobfix"); return 0; }
