/*
 * berth-nsexec: the one step of a container's start that a .NET process cannot take. The kernel lets only a
 * single-threaded process create or enter a user namespace (unshare and setns of CLONE_NEWUSER fail with EINVAL
 * otherwise), and every .NET process, NativeAOT ones included, runs a finalizer thread from its first instruction.
 * This small static program is single-threaded; it does what runc's nsexec does, and nothing else:
 *
 *   berth-nsexec clone FLAGS RESULT_FD UID_MAP GID_MAP PROGRAM ARGV0 [ARGS...]
 *       clone(2) a child with CLONE_NEWUSER|FLAGS|CLONE_PARENT (so the caller is its parent and reaps it), write its
 *       uid_map and gid_map from here (as root of the parent namespace), report "P<pid>" on RESULT_FD, let it go:
 *       the child becomes uid/gid 0 of its namespace and execs PROGRAM. The other namespaces of FLAGS are created
 *       together with the user namespace, so it owns them (mounting proc, sysfs, mqueue needs that).
 *   berth-nsexec hold RESULT_FD UID_MAP GID_MAP
 *       the same child without a program: it waits for end-of-file on its stdin, so that the caller can open
 *       /proc/PID/ns/user (a user namespace to idmap mounts with) and then let it end.
 *   berth-nsexec join USERNS_FD PROGRAM ARGV0 [ARGS...]
 *       setns(2) into the user namespace, become its uid/gid 0, exec PROGRAM (docker exec).
 *
 * Errors are reported as "E<operation>: <message>" on RESULT_FD (clone, hold) or stderr (join), exit status 1.
 * Maps are given as the files' text (lines "INSIDE OUTSIDE COUNT"). Built by `make build` with musl-gcc -static.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int result_fd = 2;

static void fail(const char *what, int err)
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "E%s: %s", what, strerror(err));
    if (n > 0 && write(result_fd, msg, (size_t)n) < 0) {
        /* nothing left to tell */
    }
    _exit(1);
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        fail(path, errno);
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len)
        fail(path, errno);
    close(fd);
}

static void become_root(void)
{
    if (setresgid(0, 0, 0) < 0)
        fail("setresgid", errno);
    if (setresuid(0, 0, 0) < 0)
        fail("setresuid", errno);
}

/* Returns in the child (after the maps are written) and never in the parent. */
static void clone_mapped(unsigned long flags, const char *uid_map, const char *gid_map)
{
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        fail("pipe2", errno);
    long pid = syscall(SYS_clone, CLONE_NEWUSER | CLONE_PARENT | flags | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0)
        fail("clone", errno);
    if (pid == 0) {
        char c;
        close(go[1]);
        ssize_t n;
        do
            n = read(go[0], &c, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1 || c != 'G')
            _exit(1); /* the parent failed and said so */
        close(go[0]);
        become_root();
        return;
    }
    close(go[0]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/uid_map", pid);
    write_file(path, uid_map);
    snprintf(path, sizeof path, "/proc/%ld/gid_map", pid);
    write_file(path, gid_map);
    char msg[32];
    int n = snprintf(msg, sizeof msg, "P%ld", pid);
    if (write(result_fd, msg, (size_t)n) != n)
        fail("report", errno);
    if (write(go[1], "G", 1) != 1)
        fail("release", errno);
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc >= 8 && strcmp(argv[1], "clone") == 0) {
        result_fd = atoi(argv[3]);
        clone_mapped(strtoul(argv[2], NULL, 0), argv[4], argv[5]);
        close(result_fd);
        execv(argv[6], argv + 7);
        fail(argv[6], errno);
    }
    if (argc == 5 && strcmp(argv[1], "hold") == 0) {
        result_fd = atoi(argv[2]);
        clone_mapped(0, argv[3], argv[4]);
        close(result_fd);
        char c;
        while (read(0, &c, 1) > 0 || errno == EINTR)
            ;
        _exit(0);
    }
    if (argc >= 5 && strcmp(argv[1], "join") == 0) {
        int fd = atoi(argv[2]);
        if (setns(fd, CLONE_NEWUSER) < 0)
            fail("setns user", errno);
        close(fd);
        become_root();
        execv(argv[3], argv + 4);
        fail(argv[3], errno);
    }
    fputs("usage: berth-nsexec clone FLAGS RESULT_FD UID_MAP GID_MAP PROGRAM ARGV0 [ARGS...]\n"
          "       berth-nsexec hold RESULT_FD UID_MAP GID_MAP\n"
          "       berth-nsexec join USERNS_FD PROGRAM ARGV0 [ARGS...]\n",
          stderr);
    return 2;
}
