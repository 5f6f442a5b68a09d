"""The zip's entry point: cnngrade's grader, from the copy setup.sh installed where only root reads."""

import sys

sys.path.insert(0, "/autograder/source/lib")

from autograder.grading.gradescope_run import main

sys.exit(main())
