from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 8

@test_case(points=1, hidden=False)
def test_shape(env):
    from cnn_checks.student import public_check
    check = public_check('hw1.q3.shape')
    check(env)

@test_case(points=1, hidden=False)
def test_identity(env):
    from cnn_checks.student import public_check
    check = public_check('hw1.q3.identity')
    check(env)

