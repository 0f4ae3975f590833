/* What the supervisor tells the launcher over their pipe: the program's pid, then its end. */
#ifndef SOCKSCHAIN_SUPERVISOR_REPORT_H
#define SOCKSCHAIN_SUPERVISOR_REPORT_H

enum report_kind {
	REPORT_PID,	/* value: the program's pid, for forwarding signals */
	REPORT_STATUS,	/* value: its wait status */
};

struct report {
	int kind;
	int value;
};

#endif
