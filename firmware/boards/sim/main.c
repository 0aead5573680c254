/* placeholder until rollmat-sim lands (being written now) */
#include <stdio.h>
int main(void)
{
    fputs("rollmat-sim: not built yet\n", stderr);
    return 2;
}
