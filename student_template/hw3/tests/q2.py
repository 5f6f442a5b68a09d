from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 4

@test_case(points=1, hidden=False)
def test_form(env):
    from cnn_checks import run_public
    run_public('hw3.q2.form', env)

