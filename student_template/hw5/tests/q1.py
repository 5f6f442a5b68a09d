from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 4

@test_case(points=1, hidden=False)
def test_shape(env):
    from cnn_checks.student import public_check
    check = public_check('hw5.q1.shape')
    check(env)

