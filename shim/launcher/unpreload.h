/*
 * The launcher never runs with the library inside it: its own connects (the
 * --check dials, the supervisor's hops) would be taken for the program's.
 * A program under the chain that starts sockschain passes the library on in
 * LD_PRELOAD; the launcher then starts itself again without it.
 */
#ifndef SOCKSCHAIN_LAUNCHER_UNPRELOAD_H
#define SOCKSCHAIN_LAUNCHER_UNPRELOAD_H

/*
 * Returns when the library is not loaded here; otherwise re-executes the
 * launcher with argv and every LD_PRELOAD entry naming the library removed.
 * -1 after a line when that failed or did not help (a second time: the
 * library came from elsewhere, /etc/ld.so.preload).
 */
int unpreload_self(char **argv);

#endif
