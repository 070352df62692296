/* Peterson's mutual exclusion at the step granularity of models/examples/peterson.ts: one Promela
   statement per XState step. BROKEN swaps the first two stores, as peterson(true) does. */
bool flag[2];
byte turn;

active [2] proctype P() {
  do
  :: skip;                                   /* idle -> (first store) */
#ifdef BROKEN
     turn = 1 - _pid;
     flag[_pid] = true;
#else
     flag[_pid] = true;
     turn = 1 - _pid;
#endif
     (flag[1 - _pid] == false || turn == _pid); /* wait -> critical, only when the guard holds */
critical:
     flag[_pid] = false                      /* critical -> idle */
  od
}

ltl mutex { [] !(P[0]@critical && P[1]@critical) }

/* How the figures in test/examples.test.ts were obtained (SPIN 6.5.2, Debian package `spin`):
     spin -o3 [-DBROKEN] -a peterson.pml     # -o3: no statement merging, so one statement = one step
     gcc -O2 -DNOREDUCE -DSAFETY -o pan pan.c  # -DNOREDUCE: no partial-order reduction, full state graph
     ./pan -N mutex                          # correct: errors 0
   With the ltl line deleted (no never claim in the product), ./pan reports
     correct: 34 states stored, 63 transitions (= stored + matched, i.e. 62 edges + the initial state)
     BROKEN:  50 states stored, 97 transitions (96 edges)
   and with -DREACH, ./pan -N mutex -i finds the shortest BROKEN counterexample: 8 process steps. */
