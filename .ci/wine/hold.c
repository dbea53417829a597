/* hold.exe FILE SECONDS: keeps FILE open with no sharing, as Word and Excel keep a document
 * they show, for the Windows lane's test of ERROR_SHARING_VIOLATION (.ci/windows_lane.py).
 * Lane only, never shipped. Prints "held" once the file is open.
 *
 *   x86_64-w64-mingw32-gcc -O2 -municode -o hold.exe hold.c
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

int wmain(int argc, wchar_t **argv)
{
    if (argc != 3)
        return 2;
    HANDLE h = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return 1;
    printf("held\n");
    fflush(stdout);
    Sleep((DWORD)_wtoi(argv[2]) * 1000);
    CloseHandle(h);
    return 0;
}
