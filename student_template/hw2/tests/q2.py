from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 5

@test_case(points=1, hidden=False)
def test_lecture(env):
    from cnn_checks.student import public_check
    check = public_check('hw2.q2.lecture')
    check(env)

