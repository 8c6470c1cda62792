/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The main functions of the examples as the Makefile compiles them for
 * the multi-call application examples.c (-Dmain=NAME_main).
 */
#ifndef UKL_EXAMPLES_H
#define UKL_EXAMPLES_H

int hello_main(int argc, char **argv);
int echo_server_main(int argc, char **argv);
int http_server_main(int argc, char **argv);

#endif
