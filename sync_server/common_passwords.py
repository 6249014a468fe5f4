"""Passwords too common to guard field data: the first ones any guesser tries.

A short list on purpose: the most used passwords of public breach corpora,
their Vietnamese counterparts, and this programme's own words. The check
(``accounts.check_password_policy``) also refuses a password that is one
character repeated or a run of digits or keyboard letters. The demo users'
passwords are not listed here: they are refused in production by their own
check (``security.is_demo_password``), and the demo must run elsewhere.
Compared case-insensitively.
"""

from __future__ import annotations

COMMON_PASSWORDS = frozenset(
    """
    123456 12345678 123456789 1234567890 12345 1234 1234567 123123 111111 000000 00000000 11111111
    654321 666666 888888 999999 121212 112233 123321 159753 987654321 1q2w3e4r 1qaz2wsx 1q2w3e4r5t
    password password1 password12 password123 passw0rd p@ssw0rd p@ssword pass1234 password!
    qwerty qwerty123 qwertyuiop qwerty12 asdfgh asdfghjkl zxcvbnm zxcvbn qazwsx 123qwe abc123 abcd1234
    abc12345 a123456 123456a 123456aa 12345678a aa123456 iloveyou iloveyou1 letmein welcome welcome1
    welcome123 admin admin1234 administrator root toor changeme changeme1 default guest test
    test1234 test12345 monkey dragon master shadow sunshine princess football baseball superman batman
    trustno1 starwars whatever freedom secret secret123 login qwe123 1q2w3e 7777777 11223344
    matkhau matkhau1 matkhau123 matkhau@123 anhyeuem anhyeuem1 emyeuanh yeuem123 yeuanh123 vietnam
    vietnam123 vietnam1 hanoi hanoi123 saigon saigon123 hochiminh 19001009 khongbiet
    fieldtally fieldtally1 fieldtally123 phapluat phapluat123 tuyentruyen pbgdpl pbgdpl123
    """.split()
)
