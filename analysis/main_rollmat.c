/* placeholder until the rollmat command lands (being written now) */
#include <stdio.h>
int main(void)
{
    fputs("rollmat: not built yet\n", stderr);
    return 2;
}
