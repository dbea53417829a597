/* paint_spin.exe [target]: why the window program polls under Wine 8 (.ci/windows_lane.py runs
 * it and reports the counts). Lane only, never shipped.
 *
 * winit's hidden "Winit Thread Event Target" window is 0x0, layered, made visible by setting
 * WS_VISIBLE, and asks for an internal repaint (RedrawWindow(RDW_INTERNALPAINT)) on every
 * message. Windows delivers a WM_PAINT to it; Wine 8 does not, so QS_PAINT stays set and
 * winit's MsgWaitForMultipleObjectsEx(QS_ALLINPUT, MWMO_INPUTAVAILABLE) returns at once.
 * Without an argument: a plain window's loop; with "target": the same loop beside such a
 * window. Prints how many times the wait returned in 5 s.
 *
 *   x86_64-w64-mingw32-gcc -O2 -o paint_spin.exe paint_spin.c
 */
#include <windows.h>
#include <stdio.h>

static LRESULT CALLBACK proc(HWND h, UINT m, WPARAM w, LPARAM l)
{
    return DefWindowProcW(h, m, w, l);
}

int main(int argc, char **argv)
{
    WNDCLASSW wc = {0};
    wc.lpfnWndProc = proc;
    wc.hInstance = GetModuleHandleW(0);
    wc.lpszClassName = L"paint_spin";
    RegisterClassW(&wc);
    CreateWindowExW(0, L"paint_spin", L"paint_spin", WS_OVERLAPPEDWINDOW | WS_VISIBLE, 0, 0, 300,
                    200, 0, 0, wc.hInstance, 0);
    if (argc > 1) {
        HWND t = CreateWindowExW(WS_EX_NOACTIVATE | WS_EX_TRANSPARENT | WS_EX_LAYERED |
                                     WS_EX_TOOLWINDOW,
                                 L"paint_spin", NULL, WS_OVERLAPPED, 0, 0, 0, 0, 0, 0,
                                 wc.hInstance, 0);
        SetWindowLongPtrW(t, GWL_STYLE, WS_VISIBLE | WS_POPUP);
        RedrawWindow(t, NULL, NULL, RDW_INTERNALPAINT);
    }
    DWORD start = GetTickCount();
    long n = 0;
    MSG msg;
    while (GetTickCount() - start < 5000) {
        MsgWaitForMultipleObjectsEx(0, NULL, 1000, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
        n++;
        while (PeekMessageW(&msg, 0, 0, 0, PM_REMOVE)) {
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
    }
    printf("%ld\n", n);
    return 0;
}
