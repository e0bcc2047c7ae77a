/*
 * broker-tick.so — preloaded into mosquitto 2.0.x (LD_PRELOAD) so that an idle bus sleeps.
 *
 * mosquitto 2.0's main loop waits on epoll with a fixed 100 ms timeout (src/mux_epoll.c), then does
 * its time-based duties (keepalive checks, will delays, session expiry) and waits again: an idle
 * broker wakes 10 times a second, ~0.05 % of a core on the bench machine, half of what an idle
 * device may cost (issue 16). mosquitto's development branch waits until its next due event instead
 * (`db.next_event_ms`); this is the smallest step towards that for the version Debian ships: that
 * one wait, and only a wait of exactly 100 ms, becomes BELFRY_BROKER_TICK_MS (default 1000, 100 to
 * 60000). Packets and new connections still end the wait at once. Signals need one more step:
 * mosquitto keeps SIGHUP, SIGINT, SIGTERM, SIGUSR1/2 blocked during the wait and lets them in only
 * between two waits, so a SIGTERM or a reload (SIGHUP) would wait for the tick; this wait is made
 * with epoll_pwait and no signal blocked, so a signal runs mosquitto's handler (it only sets a flag)
 * and ends the wait, and the loop acts on it at once, sooner than stock mosquitto. The duties run
 * at least once a tick, finer than their own scale (mosquitto 2.0 looks at keepalives every 5 s).
 *
 * Build: cc -O2 -shared -fPIC -o broker-tick.so broker-tick.c (scripts/build.mjs does).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>

typedef int (*epoll_wait_fn)(int, struct epoll_event *, int, int);

static epoll_wait_fn real_epoll_wait;
static int tick_ms = 1000;

__attribute__((constructor)) static void broker_tick_init(void)
{
	real_epoll_wait = (epoll_wait_fn)dlsym(RTLD_NEXT, "epoll_wait");
	const char *v = getenv("BELFRY_BROKER_TICK_MS");
	if (v) {
		int n = atoi(v);
		if (n >= 100 && n <= 60000) tick_ms = n;
	}
}

int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	if (timeout != 100) return real_epoll_wait(epfd, events, maxevents, timeout);
	sigset_t none;
	sigemptyset(&none);
	return epoll_pwait(epfd, events, maxevents, tick_ms, &none);
}
