from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 4.5

@test_case(points=0.5, hidden=False)
def test_form_horizontal(env):
    from cnn_checks.student import public_check
    check = public_check('hw1.q2.form-horizontal')
    check(env)

@test_case(points=0.5, hidden=False)
def test_form_sobel(env):
    from cnn_checks.student import public_check
    check = public_check('hw1.q2.form-sobel')
    check(env)

@test_case(points=0.5, hidden=False)
def test_form_scharr(env):
    from cnn_checks.student import public_check
    check = public_check('hw1.q2.form-scharr')
    check(env)

