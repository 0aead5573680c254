/* HDF5 helpers shared by the writer and the reader. See h5util.h. */
#include "h5util.h"

#include <hdf5.h>
#include <stdio.h>

void rmat_h5_init(void)
{
    /* Must run before the library initialises to take effect; later calls
     * fail harmlessly (HDF5 then already knows), so the result is ignored. */
    (void)H5dont_atexit();
    (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

struct walk_ctx {
    char *buf;
    size_t cap;
};

static herr_t innermost_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    struct walk_ctx *w = data;
    if (n == 0 && e->desc)
        snprintf(w->buf, w->cap, "%s (in %s)", e->desc, e->func_name ? e->func_name : "?");
    return 0;
}

void rmat_h5_last_error(char *buf, size_t cap)
{
    struct walk_ctx w = {buf, cap};
    if (cap == 0)
        return;
    snprintf(buf, cap, "no detail from HDF5");
    /* Walking upward starts at the function that detected the error. */
    (void)H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_cb, &w);
}
