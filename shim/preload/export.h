/* The library is built with -fvisibility=hidden: only what is marked here is interposed. */
#ifndef SOCKSCHAIN_EXPORT_H
#define SOCKSCHAIN_EXPORT_H

#define SHIM_EXPORT __attribute__((visibility("default")))

#endif
