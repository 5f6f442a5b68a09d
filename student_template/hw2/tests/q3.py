from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 1.5

@test_case(points=0.5, hidden=False)
def test_form(env):
    from cnn_checks.student import public_check
    check = public_check('hw2.q3.form')
    check(env)

