/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The layer check's program (CMakeLists.txt, rmat_layer()): it is linked
 * with one layer's whole archive and only what that layer links, so every
 * function the layer calls must come from a layer below it. It does
 * nothing when run. */
int main(void);

int main(void)
{
    return 0;
}
