/*
 * A read-only passthrough FUSE filesystem with a fixed latency per request,
 * served by one thread: the shared filesystem of bench/fuse_shared.py (a
 * metadata server with one queue, as NFS, Lustre or GPFS under load).
 *
 *   fuse_latency ROOT MOUNTPOINT --latency-us=N [-o kernel_cache,...]
 *
 * Runs in the foreground, single-threaded (-f -s are implied). Every request
 * the kernel sends (lookup/getattr, readlink, opendir, readdir, open, read,
 * statfs, release, ...) sleeps N microseconds, then is answered from ROOT.
 * The kernel's own caches (entries, attributes, pages) behave as libfuse
 * sets them (-o entry_timeout=, attr_timeout=, kernel_cache...). Paths
 * under the mount point itself are refused, so a passthrough of / does not
 * recurse into itself. Writes fail with EROFS.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static struct {
    char root[PATH_MAX];
    char mountpoint[PATH_MAX];
    unsigned latency_us;
    unsigned long requests;
} g;

struct options {
    unsigned latency_us;
};
static const struct fuse_opt option_spec[] = {
    {"--latency-us=%u", offsetof(struct options, latency_us), 1},
    FUSE_OPT_END,
};

static void wait_latency(void) {
    g.requests++;
    if (g.latency_us == 0) return;
    struct timespec ts = {g.latency_us / 1000000, (long)(g.latency_us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ROOT + path, or -1 for a path under the mount point (no recursion). */
static int real_path(const char* path, char* out) {
    if (snprintf(out, PATH_MAX, "%s%s", strcmp(g.root, "/") == 0 ? "" : g.root, path) >= PATH_MAX) return -1;
    if (out[0] == '\0') strcpy(out, "/");
    size_t n = strlen(g.mountpoint);
    if (strncmp(out, g.mountpoint, n) == 0 && (out[n] == '/' || out[n] == '\0')) return -1;
    return 0;
}

#define REAL(p)                                                  \
    char real[PATH_MAX];                                         \
    wait_latency();                                              \
    if (real_path((p), real) != 0) return -ENOENT

static void* fl_init(struct fuse_conn_info* conn, struct fuse_config* cfg) {
    (void)conn;
    cfg->use_ino = 1;
    return NULL;
}

static int fl_getattr(const char* path, struct stat* st, struct fuse_file_info* fi) {
    (void)fi;
    REAL(path);
    return lstat(real, st) == -1 ? -errno : 0;
}

static int fl_access(const char* path, int mask) {
    REAL(path);
    if (mask & W_OK) return -EROFS;
    return access(real, mask) == -1 ? -errno : 0;
}

static int fl_readlink(const char* path, char* buf, size_t size) {
    REAL(path);
    ssize_t n = readlink(real, buf, size - 1);
    if (n == -1) return -errno;
    buf[n] = '\0';
    return 0;
}

static int fl_opendir(const char* path, struct fuse_file_info* fi) {
    REAL(path);
    DIR* d = opendir(real);
    if (d == NULL) return -errno;
    fi->fh = (uint64_t)(uintptr_t)d;
    return 0;
}

static int fl_readdir(const char* path, void* buf, fuse_fill_dir_t filler, off_t offset, struct fuse_file_info* fi,
                      enum fuse_readdir_flags flags) {
    (void)path;
    (void)flags;
    wait_latency();
    DIR* d = (DIR*)(uintptr_t)fi->fh;
    if (offset == 0) rewinddir(d);
    else seekdir(d, offset);
    struct dirent* e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        memset(&st, 0, sizeof st);
        st.st_ino = e->d_ino;
        st.st_mode = (mode_t)(DTTOIF(e->d_type));
        if (filler(buf, e->d_name, &st, telldir(d), 0)) break;
    }
    return 0;
}

static int fl_releasedir(const char* path, struct fuse_file_info* fi) {
    (void)path;
    wait_latency();
    closedir((DIR*)(uintptr_t)fi->fh);
    return 0;
}

static int fl_open(const char* path, struct fuse_file_info* fi) {
    REAL(path);
    if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
    int fd = open(real, fi->flags);
    if (fd == -1) return -errno;
    fi->fh = (uint64_t)fd;
    return 0;
}

static int fl_read(const char* path, char* buf, size_t size, off_t offset, struct fuse_file_info* fi) {
    (void)path;
    wait_latency();
    ssize_t n = pread((int)fi->fh, buf, size, offset);
    return n == -1 ? -errno : (int)n;
}

static int fl_statfs(const char* path, struct statvfs* st) {
    REAL(path);
    return statvfs(real, st) == -1 ? -errno : 0;
}

static int fl_flush(const char* path, struct fuse_file_info* fi) {
    (void)path;
    (void)fi;
    wait_latency();
    return 0;
}

static int fl_release(const char* path, struct fuse_file_info* fi) {
    (void)path;
    wait_latency();
    close((int)fi->fh);
    return 0;
}

static int fl_readonly() { return -EROFS; }

static const struct fuse_operations ops = {
    .init = fl_init,
    .getattr = fl_getattr,
    .access = fl_access,
    .readlink = fl_readlink,
    .opendir = fl_opendir,
    .readdir = fl_readdir,
    .releasedir = fl_releasedir,
    .open = fl_open,
    .read = fl_read,
    .statfs = fl_statfs,
    .flush = fl_flush,
    .release = fl_release,
    .mknod = (void*)fl_readonly,
    .mkdir = (void*)fl_readonly,
    .unlink = (void*)fl_readonly,
    .rmdir = (void*)fl_readonly,
    .symlink = (void*)fl_readonly,
    .rename = (void*)fl_readonly,
    .link = (void*)fl_readonly,
    .chmod = (void*)fl_readonly,
    .chown = (void*)fl_readonly,
    .truncate = (void*)fl_readonly,
    .write = (void*)fl_readonly,
    .create = (void*)fl_readonly,
};

int main(int argc, char* argv[]) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s ROOT MOUNTPOINT --latency-us=N [-o FUSE options]\n", argv[0]);
        return 2;
    }
    if (realpath(argv[1], g.root) == NULL || realpath(argv[2], g.mountpoint) == NULL) {
        perror("fuse_latency: realpath");
        return 2;
    }
    /* libfuse gets: argv[0] MOUNTPOINT -f -s [the rest]. */
    struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
    fuse_opt_add_arg(&args, argv[0]);
    fuse_opt_add_arg(&args, g.mountpoint);
    fuse_opt_add_arg(&args, "-f");
    fuse_opt_add_arg(&args, "-s");
    for (int i = 3; i < argc; i++) fuse_opt_add_arg(&args, argv[i]);
    struct options o = {0};
    if (fuse_opt_parse(&args, &o, option_spec, NULL) == -1) return 2;
    g.latency_us = o.latency_us;
    int rc = fuse_main(args.argc, args.argv, &ops, NULL);
    fprintf(stderr, "fuse_latency: %lu requests served\n", g.requests);
    fuse_opt_free_args(&args);
    return rc;
}
