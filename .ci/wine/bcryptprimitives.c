/* A stand-in bcryptprimitives.dll for the Windows lane's Wine prefix only (.ci/windows-lane.sh),
 * never shipped. Rust's standard library takes its random numbers from ProcessPrng in
 * bcryptprimitives.dll (Windows 10 and later have it); Wine 8 has no such DLL, so every Rust
 * program dies at its first HashMap. This one answers ProcessPrng from BCryptGenRandom, which
 * Wine has.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c \
 *       bcryptprimitives.def -lbcrypt
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
