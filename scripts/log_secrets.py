"""Fails when a log holds a secret: the API key a run used, a card number the run sent, or a
vaulted payment-method token (the sandbox's pm_sbx_...).

Usage: log_secrets.py LOG KEY_FILE. The cards are the sandbox's test cards that scripts/
fuzz_hooks.py puts into hosted-page posts, found with or without spaces or dashes between their
digits. (A generic Luhn scan is no use here: TRACE logs carry random 19-digit numbers, such as
the SDK's invocation-id generator state, and one in ten passes the check.)
"""

import re
import sys

from fuzz_hooks import TEST_CARDS


def card_pattern(card):
    digits = re.sub("[^0-9]", "", card)
    return re.compile("(?<![0-9])" + "[ -]?".join(digits) + "(?![0-9])")


VAULT_TOKEN = re.compile(r"pm_sbx_[a-z]+_[0-9A-Z]{26}")
CARD_PATTERNS = {re.sub("[^0-9]", "", card): card_pattern(card) for card in TEST_CARDS}


def leaks(text, key):
    found = []
    if key and key in text:
        found.append("the API key")
    secret = key.split("_", 2)[-1] if key else ""  # after ck_test_ or ck_live_
    if len(secret) >= 16 and secret in text and "the API key" not in found:
        found.append("the API key's secret part")
    if VAULT_TOKEN.search(text):
        found.append("a vaulted payment-method token")
    for digits, pattern in CARD_PATTERNS.items():
        if pattern.search(text):
            found.append("card " + digits[:4] + "..." + digits[-4:])
    return found


def self_test():
    """The check must be able to fail: it finds what it looks for and passes what is harmless."""
    key = "ck_test_0123456789abcdefghijklmnopqrstuvwxyzABCDE"
    assert leaks("x-api-key: " + key, key) == ["the API key"]
    assert leaks("key=0123456789abcdefghijklmnopqrstuvwxyzABCDE", key)
    # Secrets are base64url: an underscore inside must not cut the part looked for short.
    assert leaks("key=abcdefghijklmnopqrstu_vw", "ck_test_abcdefghijklmnopqrstu_vw")
    assert leaks('"card_number":"4242 4242 4242 4242"', "")
    assert leaks("card=4000-0000-0000-0341", "")
    assert leaks("b\"card_number=4000000000000002&cvc=123\"", "")
    assert leaks('"token":{"S":"pm_sbx_ok_01M8BXMCX10KVWMDQHBZTYESFY"}', "")
    assert not leaks("displayPrefix ck_test_0123 Rng(5382098283398699190) 14242424242424242", key)


def main():
    self_test()
    log, key_file = sys.argv[1], sys.argv[2]
    with open(log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    with open(key_file, encoding="utf-8") as f:
        key = f.read().strip()
    found = leaks(text, key)
    lines = text.count("\n")
    if found:
        print(f"the logs ({lines} lines) contain: " + ", ".join(sorted(set(found))))
        sys.exit(1)
    print(f"the functions' logs ({lines} lines, at TRACE): no API key, card number or vault token")


if __name__ == "__main__":
    main()
