"""The trusted side of `cnngrade grade`: the sandbox, the fork server's client, executors (local, Dask), phase 2, the run (resume, records), and the grader inside the Gradescope zip."""
