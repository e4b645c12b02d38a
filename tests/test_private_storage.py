import pytest

from requests_portal.storage import private_file_delete, private_file_read, private_file_save


def test_files_are_encrypted_at_rest_and_read_back(private_dir):
    secret = b"%PDF-1.7 paspoort van J. Jansen"
    name = private_file_save(secret)
    stored = (private_dir / name).read_bytes()
    assert b"Jansen" not in stored
    assert private_file_read(name) == secret


def test_names_are_random_and_deleting_removes_the_file(private_dir):
    first, second = private_file_save(b"a"), private_file_save(b"a")
    assert first != second
    private_file_delete(first)
    assert not (private_dir / first).exists()
    private_file_delete(first)  # a second delete is harmless


def test_a_name_cannot_leave_the_folder():
    with pytest.raises(ValueError):
        private_file_read("../../etc/passwd")


def test_a_file_is_unreadable_with_another_key(settings):
    name = private_file_save(b"geheim")
    settings.FILE_ENCRYPTION_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMTI="
    from cryptography.fernet import InvalidToken

    with pytest.raises(InvalidToken):
        private_file_read(name)
