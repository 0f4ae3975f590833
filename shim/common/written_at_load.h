/*
 * Where the variables the constructors write go: every program started
 * under the library runs the constructors, and there a first write to a
 * page of .bss is a page fault. Kept in .data instead, next to
 * __dso_handle, whose page the loader writes anyway, they cost none.
 * shim/common is linked before shim/preload (Makefile) so that they sit
 * before the larger .data of the latter.
 */
#ifndef SOCKSCHAIN_WRITTEN_AT_LOAD_H
#define SOCKSCHAIN_WRITTEN_AT_LOAD_H

#define WRITTEN_AT_LOAD __attribute__((section(".data.at_load")))

#endif
