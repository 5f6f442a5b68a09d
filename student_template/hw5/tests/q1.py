from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 4

@test_case(points=1, hidden=False)
def test_shape(env):
    from cnn_checks import run_public
    run_public('hw5.q1.shape', env)

