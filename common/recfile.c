/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The recording file's layout (recfile.h, recfile_h5.h): the one place that
 * names its groups, datasets and attributes. The writer (acq/recording.c)
 * and the reader (analysis/reader.c) both go through here. */
#include "recfile_h5.h"

#include <math.h>
#include <string.h>

#include "h5util.h"
#include "rollmat/calib.h"
#include "rollmat/version.h"
#include "rollmat/dates.h"
#include "rollmat/strutil.h"
#include "rollmat/uuid.h"

const char *const rmat_recfile_frame_paths[RMAT_RECFILE_NFRAMES] = {
    "/frames/raw", "/frames/seq", "/frames/t_device_us", "/frames/t_host_ns"};
const char *const rmat_recfile_event_paths[RMAT_RECFILE_NEVENTS] = {
    "/events/t_host_ns", "/events/kind", "/events/value", "/events/text"};

void rmat_session_meta_init(struct rmat_session_meta *m)
{
    memset(m, 0, sizeof *m);
    m->roller_diameter_mm = NAN;
    m->body_mass_kg = NAN;
}

void rmat_device_desc_from_info(struct rmat_device_desc *d, const struct rmat_info *info,
                                uint16_t rate_hz)
{
    memset(d, 0, sizeof *d);
    rmat_utf8_copy(d->model, sizeof d->model, info->model, sizeof info->model);
    d->serial = info->serial;
    rmat_utf8_copy(d->firmware_version, sizeof d->firmware_version, info->fw_version,
                   sizeof info->fw_version);
    d->protocol_version = RMAT_WIRE_VERSION;
    d->rows = info->rows;
    d->cols = info->cols;
    d->adc_bits = info->adc_bits;
    d->pitch_x_mm = info->pitch_x_um / 1000.0;
    d->pitch_y_mm = info->pitch_y_um / 1000.0;
    d->rate_hz = rate_hz;
}

/* --- writing ------------------------------------------------------------- */

static int write_root(hid_t file, const struct rmat_rec_ident *id)
{
    static const char software[] = "rollmat " RMAT_VERSION;
    char created[32];
    int version = RMAT_FORMAT_VERSION;

    rmat_utc_now(created, sizeof created);
    if (rmat_h5_put_str(file, "format", RMAT_FORMAT_NAME, sizeof RMAT_FORMAT_NAME) < 0 ||
        rmat_h5_put_num(file, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT, &version) < 0 ||
        rmat_h5_put_str(file, "created_utc", created, sizeof created) < 0 ||
        rmat_h5_put_str(file, "software", software, sizeof software) < 0 ||
        rmat_h5_put_str(file, "recording_id", id->recording_id, strlen(id->recording_id) + 1) < 0)
        return -1;
    /* Only a rebuilt file says so: its absence means an original. */
    if (id->recovered_from[0] && rmat_h5_put_str(file, "recovered_from", id->recovered_from,
                                                 strlen(id->recovered_from) + 1) < 0)
        return -1;
    return 0;
}

static int write_device(hid_t file, const struct rmat_device_desc *d)
{
    hid_t g = H5Gcreate2(file, "device", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = -1;

    if (g < 0)
        return -1;
    if (rmat_h5_put_str(g, "model", d->model, sizeof d->model) < 0 ||
        rmat_h5_put_num(g, "serial", H5T_STD_U32LE, H5T_NATIVE_UINT32, &d->serial) < 0 ||
        rmat_h5_put_str(g, "firmware_version", d->firmware_version, sizeof d->firmware_version) <
            0 ||
        rmat_h5_put_int(g, "protocol_version", d->protocol_version) < 0 ||
        rmat_h5_put_int(g, "rows", d->rows) < 0 || rmat_h5_put_int(g, "cols", d->cols) < 0 ||
        rmat_h5_put_int(g, "adc_bits", d->adc_bits) < 0 ||
        rmat_h5_put_f64(g, "pitch_x_mm", d->pitch_x_mm) < 0 ||
        rmat_h5_put_f64(g, "pitch_y_mm", d->pitch_y_mm) < 0 ||
        rmat_h5_put_f64(g, "rate_hz", d->rate_hz) < 0)
        goto out;
    rc = 0;
out:
    H5Gclose(g);
    return rc;
}

static int write_session(hid_t file, const struct rmat_session_meta *m)
{
    hid_t g = H5Gcreate2(file, "session", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = -1;

    if (g < 0)
        return -1;
    if (rmat_h5_put_str(g, "subject", m->subject, sizeof m->subject) < 0 ||
        rmat_h5_put_str(g, "session", m->session, sizeof m->session) < 0 ||
        rmat_h5_put_str(g, "region", m->region, sizeof m->region) < 0 ||
        rmat_h5_put_str(g, "side", m->side, sizeof m->side) < 0 ||
        rmat_h5_put_str(g, "roller", m->roller, sizeof m->roller) < 0 ||
        rmat_h5_put_f64(g, "roller_diameter_mm", m->roller_diameter_mm) < 0 ||
        rmat_h5_put_str(g, "mounting", m->mounting, sizeof m->mounting) < 0 ||
        rmat_h5_put_f64(g, "body_mass_kg", m->body_mass_kg) < 0 ||
        rmat_h5_put_str(g, "operator", m->operator_name, sizeof m->operator_name) < 0 ||
        rmat_h5_put_str(g, "notes", m->notes, sizeof m->notes) < 0 ||
        rmat_h5_put_str(g, "started_utc", m->started_utc, sizeof m->started_utc) < 0)
        goto out;
    rc = 0;
out:
    H5Gclose(g);
    return rc;
}

int rmat_recfile_write_header(hid_t file, const char *path, const struct rmat_device_desc *dev,
                              const struct rmat_session_meta *meta, const struct rmat_calib *calib,
                              const struct rmat_rec_ident *ident, struct rmat_errinfo *ei)
{
    char detail[300];

    if (!ident || !rmat_uuid_valid(ident->recording_id))
        return rmat_errinfo_set(ei, RMAT_E_ARG, 0, "%s: a recording needs a recording_id (a UUID)",
                                path);
    if (write_root(file, ident) < 0 || write_device(file, dev) < 0 ||
        write_session(file, meta) < 0) {
        rmat_h5_last_error(detail, sizeof detail);
        return rmat_errinfo_set(ei, RMAT_E_HDF5, 0, "%s: writing the attributes failed: %s", path,
                                detail);
    }
    if (!calib)
        return RMAT_OK;
    int rc = rmat_calib_check(calib, dev->rows, dev->cols, path, ei);
    if (rc == RMAT_OK)
        rc = rmat_calib_h5_write(calib, file, path, ei);
    return rc;
}

/* --- reading ------------------------------------------------------------- */

int rmat_recfile_read_root(hid_t file, const char *path, int *format_version, char *created_utc,
                           size_t created_cap, char *software, size_t software_cap,
                           struct rmat_errinfo *ei)
{
    char format[64];

    if (rmat_h5_get_str(file, "format", format, sizeof format) < 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: not a rollmat recording (an HDF5 file without the root "
                                "attribute 'format')",
                                path);
    if (strcmp(format, RMAT_FORMAT_NAME) != 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: not a rollmat recording (format is '%s', not '%s')", path,
                                format, RMAT_FORMAT_NAME);
    if (rmat_h5_get_num(file, "format_version", H5T_NATIVE_INT, format_version) < 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: malformed rollmat recording: no integer root attribute "
                                "'format_version'",
                                path);
    if (*format_version > RMAT_FORMAT_VERSION)
        return rmat_errinfo_set(ei, RMAT_E_NEWER, 0,
                                "%s: written by a newer rollmat (format_version %d); this build "
                                "reads %d to %d: upgrade rollmat",
                                path, *format_version, RMAT_FORMAT_VERSION_MIN,
                                RMAT_FORMAT_VERSION);
    if (*format_version < RMAT_FORMAT_VERSION_MIN)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: malformed rollmat recording: format_version %d", path,
                                *format_version);
    (void)rmat_h5_get_str(file, "created_utc", created_utc, created_cap);
    (void)rmat_h5_get_str(file, "software", software, software_cap);
    return RMAT_OK;
}

void rmat_recfile_read_ident(hid_t file, struct rmat_rec_ident *id)
{
    memset(id, 0, sizeof *id);
    (void)rmat_h5_get_str(file, "recording_id", id->recording_id, sizeof id->recording_id);
    (void)rmat_h5_get_str(file, "recovered_from", id->recovered_from, sizeof id->recovered_from);
}

int rmat_recfile_read_device(hid_t file, const char *path, struct rmat_device_desc *d,
                             struct rmat_errinfo *ei)
{
    hid_t g = rmat_h5_open_group(file, "device");
    int rc = RMAT_OK;

    memset(d, 0, sizeof *d);
    if (g < 0)
        return rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                                "%s: malformed rollmat recording: no /device group", path);
    (void)rmat_h5_get_str(g, "model", d->model, sizeof d->model);
    (void)rmat_h5_get_num(g, "serial", H5T_NATIVE_UINT32, &d->serial);
    (void)rmat_h5_get_str(g, "firmware_version", d->firmware_version, sizeof d->firmware_version);
    rmat_h5_get_int(g, "protocol_version", &d->protocol_version);
    rmat_h5_get_int(g, "adc_bits", &d->adc_bits);
    rmat_h5_get_f64(g, "pitch_x_mm", &d->pitch_x_mm);
    rmat_h5_get_f64(g, "pitch_y_mm", &d->pitch_y_mm);
    rmat_h5_get_f64(g, "rate_hz", &d->rate_hz);
    if (rmat_h5_get_num(g, "rows", H5T_NATIVE_INT, &d->rows) < 0 ||
        rmat_h5_get_num(g, "cols", H5T_NATIVE_INT, &d->cols) < 0)
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: malformed rollmat recording: /device has no integer "
                              "attributes 'rows' and 'cols'",
                              path);
    /* A mat's wire says at most 255; imports reach 256 (IMPORT.md), and a
     * sensor list is one row of up to 65536 sensors. */
    else if (d->rows < 1 || d->rows > 256 || d->cols < 1 || d->cols > 65536 ||
             (d->rows > 1 && d->cols > 256))
        rc = rmat_errinfo_set(ei, RMAT_E_FORMAT, 0,
                              "%s: malformed rollmat recording: a %dx%d grid (rows and cols "
                              "must be 1..256)",
                              path, d->rows, d->cols);
    H5Gclose(g);
    return rc;
}

void rmat_recfile_read_session(hid_t file, struct rmat_session_meta *m)
{
    hid_t g;

    rmat_session_meta_init(m);
    g = rmat_h5_open_group(file, "session");
    if (g < 0)
        return;
    (void)rmat_h5_get_str(g, "subject", m->subject, sizeof m->subject);
    (void)rmat_h5_get_str(g, "session", m->session, sizeof m->session);
    (void)rmat_h5_get_str(g, "region", m->region, sizeof m->region);
    (void)rmat_h5_get_str(g, "side", m->side, sizeof m->side);
    (void)rmat_h5_get_str(g, "roller", m->roller, sizeof m->roller);
    rmat_h5_get_f64(g, "roller_diameter_mm", &m->roller_diameter_mm);
    (void)rmat_h5_get_str(g, "mounting", m->mounting, sizeof m->mounting);
    rmat_h5_get_f64(g, "body_mass_kg", &m->body_mass_kg);
    (void)rmat_h5_get_str(g, "operator", m->operator_name, sizeof m->operator_name);
    (void)rmat_h5_get_str(g, "notes", m->notes, sizeof m->notes);
    (void)rmat_h5_get_str(g, "started_utc", m->started_utc, sizeof m->started_utc);
    H5Gclose(g);
}
