from tests.chat.conftest import alice, bob, mod, square

__all__ = ["alice", "bob", "mod", "square"]
