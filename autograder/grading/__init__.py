"""The trusted side of `cnngrade grade`: the sandbox, the fork server's client, the executors and each child's channel."""
