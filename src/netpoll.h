/*
 * netpoll.h - the network poller's contract (netpoll.c states it in full;
 * netpoll_epoll.c and netpoll_windows.c implement the backend half).
 */
#ifndef GORT_NETPOLL_H
#define GORT_NETPOLL_H

#include "runtime.h"

/* Portable half (netpoll.c). */
void gort__netpollGenericInit(void);
bool gort__netpollinited(void);
extern _Atomic uint32_t gort__netpollWaiters;

/* Backend half (netpoll_<os>.c). */
void gort__netpollinit(void);
void gort__netpoll(int64_t delay, gQueue *q);
void gort__netpollBreak(void);

#endif
