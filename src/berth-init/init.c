/*
 * berth-init: the init `docker run --init` puts in front of the container's program (bind-mounted at
 * /sbin/docker-init, run as PID 1 with `-- PROGRAM ARGS...`). It forwards the signals it receives to the program
 * and reaps every zombie the container's orphans leave, then exits with the program's status (128+N when the
 * program died of signal N). A static binary, so it runs in any image, with or without a libc.
 *
 * It is C rather than C#: it must run inside images that carry no libc at all, and it must be tiny; the .NET
 * runtime is neither. Built by `make build` with musl-gcc -static.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(void)
{
    fputs("usage: berth-init [--] PROGRAM [ARGS...]\n", stderr);
}

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--") == 0)
        first = 2;
    if (argc <= first) {
        usage();
        return 2;
    }

    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    /* Signals are taken synchronously with sigtimedwait; nothing interrupts the loop. */
    sigprocmask(SIG_BLOCK, &all, NULL);

    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "[berth-init] fork: %s\n", strerror(errno));
        return 1;
    }
    if (child == 0) {
        /* The program gets its own process group, the terminal's foreground one when there is a terminal, so a
         * Ctrl-C on the terminal reaches it once (from the kernel), not also through init. */
        setpgid(0, 0);
        if (isatty(STDIN_FILENO)) {
            signal(SIGTTOU, SIG_IGN);
            tcsetpgrp(STDIN_FILENO, getpgrp());
            signal(SIGTTOU, SIG_DFL);
        }
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(argv[first], &argv[first]);
        fprintf(stderr, "[berth-init] exec %s failed: %s\n", argv[first], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    setpgid(child, child);

    int status = 0;
    int child_done = 0;
    for (;;) {
        struct timespec tick = {1, 0};
        siginfo_t info;
        int sig = sigtimedwait(&all, &info, &tick);
        if (sig > 0 && sig != SIGCHLD) {
            /* Faults aimed at init itself are not for the program. */
            if (sig != SIGSEGV && sig != SIGBUS && sig != SIGILL && sig != SIGFPE && sig != SIGTRAP && sig != SIGABRT)
                kill(child, sig);
            continue;
        }
        /* SIGCHLD, or the periodic tick: reap everything that has exited. */
        for (;;) {
            int st;
            pid_t pid = waitpid(-1, &st, WNOHANG);
            if (pid <= 0)
                break;
            if (pid == child) {
                status = st;
                child_done = 1;
            }
        }
        if (child_done)
            break;
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
