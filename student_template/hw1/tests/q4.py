from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=1, hidden=False)
def test_form(env):
    from cnn_checks import run_public
    run_public('hw1.q4.form', env)

