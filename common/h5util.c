/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HDF5 helpers shared by everything that writes or reads HDF5 (h5util.h). */
#include "h5util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollmat/strutil.h"

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

/* --- writing ------------------------------------------------------------- */

int rmat_h5_put_str(hid_t loc, const char *name, const char *value, size_t cap)
{
    const size_t n = !value ? 0 : cap ? rmat_utf8_cut(value, cap - 1) : strlen(value);
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    char *tmp = NULL;
    int rc = -1;

    type = H5Tcopy(H5T_C_S1);
    if (type < 0 || H5Tset_size(type, n + 1) < 0 || H5Tset_strpad(type, H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(type, H5T_CSET_UTF8) < 0)
        goto out;
    space = H5Screate(H5S_SCALAR);
    if (space < 0)
        goto out;
    attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0)
        goto out;
    /* The memory image is the n bytes plus a terminator; value may not be
     * terminated within cap, so it is written through a copy. */
    tmp = malloc(n + 1);
    if (!tmp)
        goto out;
    if (n)
        memcpy(tmp, value, n);
    tmp[n] = '\0';
    if (H5Awrite(attr, type, tmp) < 0)
        goto out;
    rc = 0;
out:
    free(tmp);
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return rc;
}

int rmat_h5_put_num(hid_t loc, const char *name, hid_t filetype, hid_t memtype, const void *value)
{
    hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    int rc = -1;

    space = H5Screate(H5S_SCALAR);
    if (space < 0)
        goto out;
    attr = H5Acreate2(loc, name, filetype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, memtype, value) < 0)
        goto out;
    rc = 0;
out:
    if (attr >= 0)
        H5Aclose(attr);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

int rmat_h5_put_int(hid_t loc, const char *name, int v)
{
    return rmat_h5_put_num(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
}

int rmat_h5_put_f64(hid_t loc, const char *name, double v)
{
    return rmat_h5_put_num(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

int rmat_h5_put_dataset(hid_t loc, const char *name, hid_t filetype, hid_t memtype, int rank,
                        const hsize_t *dims, const void *data, const char *units)
{
    hid_t space = H5Screate_simple(rank, dims, NULL), d = H5I_INVALID_HID;
    int rc = -1;

    if (space < 0)
        return -1;
    d = H5Dcreate2(loc, name, filetype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0 && H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0 &&
        rmat_h5_put_str(d, "units", units, 0) == 0)
        rc = 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(space);
    return rc;
}

hid_t rmat_h5_fixed_string(size_t size)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return H5I_INVALID_HID;
    if (H5Tset_size(t, size) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* --- reading ------------------------------------------------------------- */

static hid_t open_attr(hid_t loc, const char *name)
{
    if (H5Aexists(loc, name) <= 0)
        return H5I_INVALID_HID;
    return H5Aopen(loc, name, H5P_DEFAULT);
}

int rmat_h5_get_str(hid_t loc, const char *name, char *dst, size_t cap)
{
    hid_t attr = H5I_INVALID_HID, type = H5I_INVALID_HID, space = H5I_INVALID_HID;
    char *buf = NULL;
    int rc = -1;

    dst[0] = '\0';
    attr = open_attr(loc, name);
    if (attr < 0)
        goto out;
    type = H5Aget_type(attr);
    space = H5Aget_space(attr);
    if (type < 0 || space < 0 || H5Tget_class(type) != H5T_STRING ||
        H5Sget_simple_extent_npoints(space) != 1)
        goto out;
    if (H5Tis_variable_str(type) > 0) {
        char *s = NULL;
        if (H5Aread(attr, type, &s) < 0)
            goto out;
        if (s) {
            rmat_utf8_copy(dst, cap, s, strlen(s));
            H5free_memory(s);
        }
    } else {
        size_t size = H5Tget_size(type);
        if (size == 0)
            goto out;
        buf = calloc(1, size + 1);
        if (!buf || H5Aread(attr, type, buf) < 0)
            goto out;
        rmat_utf8_copy(dst, cap, buf, size);
    }
    rc = 0;
out:
    free(buf);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (attr >= 0)
        H5Aclose(attr);
    return rc;
}

int rmat_h5_get_num(hid_t loc, const char *name, hid_t memtype, void *value)
{
    hid_t attr = H5I_INVALID_HID, type = H5I_INVALID_HID, space = H5I_INVALID_HID;
    H5T_class_t cls;
    int rc = -1;

    attr = open_attr(loc, name);
    if (attr < 0)
        goto out;
    type = H5Aget_type(attr);
    space = H5Aget_space(attr);
    if (type < 0 || space < 0 || H5Sget_simple_extent_npoints(space) != 1)
        goto out;
    cls = H5Tget_class(type);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT)
        goto out;
    if (H5Aread(attr, memtype, value) < 0)
        goto out;
    rc = 0;
out:
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (attr >= 0)
        H5Aclose(attr);
    return rc;
}

void rmat_h5_get_int(hid_t loc, const char *name, int *v)
{
    *v = 0;
    (void)rmat_h5_get_num(loc, name, H5T_NATIVE_INT, v);
}

void rmat_h5_get_f64(hid_t loc, const char *name, double *v)
{
    *v = NAN;
    (void)rmat_h5_get_num(loc, name, H5T_NATIVE_DOUBLE, v);
}

hid_t rmat_h5_open_group(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return H5I_INVALID_HID;
    return H5Gopen2(loc, name, H5P_DEFAULT);
}
