/*
 * What the supervisor tells the launcher over their pipe: the program's pid,
 * its stops and continues (job control), then its end.
 */
#ifndef SOCKSCHAIN_SUPERVISOR_REPORT_H
#define SOCKSCHAIN_SUPERVISOR_REPORT_H

enum report_kind {
	REPORT_PID,	/* value: the program's pid, for forwarding signals */
	REPORT_STATUS,	/* value: its wait status */
	REPORT_STOP,	/* value: the signal that stopped it */
	REPORT_CONT,	/* it runs again */
};

struct report {
	int kind;
	int value;
};

#endif
