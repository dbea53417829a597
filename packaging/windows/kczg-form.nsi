; 科创中国榜单申报助手 — the Windows installer (NSIS 3, Unicode), per user: no administrator
; rights, installed under %LOCALAPPDATA%\Programs\kczg-form, a Start-menu entry, and an
; 「打开方式」 choice for .docx, .json and .zip that never takes the default from Word or WPS.
;
;   makensis -DVERSION=0.1.0 -DBINDIR=target\x86_64-pc-windows-msvc\release packaging\windows\kczg-form.nsi
;
;   makensis -XTarget amd64-unicode …   (Debian's makensis builds x86 stubs unless told)
;
; Exit codes of a silent install (/S): 0 installed; 2 the program is running (nothing was
; replaced); 3 not 64-bit Windows 10 or 11; 4 a file could not be replaced (the previous
; version stays whole).
;
; BINDIR holds kczg-form.exe (console: the command line) and kczg-form-gui.exe (the window,
; no console); the output is kczg-form-VERSION-setup.exe beside this script's working dir.
; Drafts live in %APPDATA%\kczg\kczg-form\data and are kept when the program is uninstalled.

Unicode true
!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef BINDIR
  !define BINDIR "target\release"
!endif
!define APPNAME "科创中国榜单申报助手"
!define APPID "cn.kczg.kczg-form"
!define GUIEXE "kczg-form-gui.exe"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPID}"

Name "${APPNAME}"
OutFile "kczg-form-${VERSION}-setup.exe"
InstallDir "$LOCALAPPDATA\Programs\kczg-form"
InstallDirRegKey HKCU "Software\${APPID}" "InstallDir"
RequestExecutionLevel user
SetCompressor /SOLID lzma
Icon "..\..\assets\icon\kczg-form.ico"
UninstallIcon "..\..\assets\icon\kczg-form.ico"
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=2052 "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=2052 "FileDescription" "${APPNAME} 安装程序"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "MIT OR Apache-2.0"

!include "MUI2.nsh"
!include "x64.nsh"
!include "WinVer.nsh"
!include "LogicLib.nsh"
!define MUI_ICON "..\..\assets\icon\kczg-form.ico"
!define MUI_UNICON "..\..\assets\icon\kczg-form.ico"
!define MUI_FINISHPAGE_RUN "$INSTDIR\${GUIEXE}"
!define MUI_FINISHPAGE_RUN_TEXT "运行${APPNAME}"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

; The programs are 64-bit and need Windows 10 or later (Rust's standard library takes its
; random numbers from ProcessPrng, which Windows 8.1 lacks).
Function .onInit
  ${IfNot} ${RunningX64}
  ${OrIfNot} ${AtLeastWin10}
    MessageBox MB_OK|MB_ICONSTOP "${APPNAME}需要 64 位的 Windows 10 或 Windows 11，这台电脑的 Windows 不能运行它。$\r$\n$\r$\n可以改用 Word 或 WPS 直接填写空白申报表（向学会秘书处索取）。" /SD IDOK
    SetErrorLevel 3
    Quit
  ${EndIf}
  SetRegView 64
FunctionEnd

; A running copy holds its program file: Windows will not replace it, and a reinstall would
; leave one program new and the other old. Asked to close (or, silent, stopped with exit 2).
!macro RefuseWhileRunning
  running_check:
  ${ForEach} $1 1 2 + 1
    ${If} $1 == 1
      StrCpy $2 "$INSTDIR\kczg-form-gui.exe"
    ${Else}
      StrCpy $2 "$INSTDIR\kczg-form.exe"
    ${EndIf}
    ${If} ${FileExists} $2
      ClearErrors
      FileOpen $0 $2 a
      ${If} ${Errors}
        Goto running
      ${EndIf}
      FileClose $0
    ${EndIf}
  ${Next}
  Goto not_running
  running:
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APPNAME}正在运行。请先保存并关闭它（包括命令行中正在运行的 kczg-form），再点“重试”；点“取消”退出，原有版本不变。" /SD IDCANCEL IDRETRY running_check
    SetErrorLevel 2
    Quit
  not_running:
!macroend

; 「打开方式」 for one extension: listed as a program that opens it, never made the default.
!macro OpenWith EXT
  WriteRegStr HKCU "Software\Classes\${EXT}\OpenWithProgids" "${APPID}" ""
  WriteRegStr HKCU "Software\Classes\Applications\${GUIEXE}\SupportedTypes" "${EXT}" ""
!macroend
!macro NoOpenWith EXT
  DeleteRegValue HKCU "Software\Classes\${EXT}\OpenWithProgids" "${APPID}"
!macroend

Section "install"
  SetOutPath "$INSTDIR"
  !insertmacro RefuseWhileRunning
  ; Both programs are unpacked beside the old ones first and put in place together: a file
  ; that cannot be written leaves the previous version whole.
  SetOverwrite on
  ClearErrors
  File "/oname=kczg-form.exe.new" "..\..\${BINDIR}\kczg-form.exe"
  File "/oname=kczg-form-gui.exe.new" "..\..\${BINDIR}\kczg-form-gui.exe"
  IfErrors 0 unpacked
    Delete "$INSTDIR\kczg-form.exe.new"
    Delete "$INSTDIR\kczg-form-gui.exe.new"
    MessageBox MB_OK|MB_ICONSTOP "无法写入 $INSTDIR（磁盘已满或没有权限），原有版本未改动。" /SD IDOK
    SetErrorLevel 4
    Quit
  unpacked:
  Delete "$INSTDIR\kczg-form.exe"
  Delete "$INSTDIR\kczg-form-gui.exe"
  Rename "$INSTDIR\kczg-form.exe.new" "$INSTDIR\kczg-form.exe"
  Rename "$INSTDIR\kczg-form-gui.exe.new" "$INSTDIR\kczg-form-gui.exe"
  File "..\..\LICENSE-MIT"
  File "..\..\LICENSE-APACHE"
  File "..\..\fonts\LICENSE-OFL.txt"
  File "..\..\README.md"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\${GUIEXE}" "" "$INSTDIR\${GUIEXE}" 0

  ; The program that opens these files, by its app id.
  WriteRegStr HKCU "Software\Classes\${APPID}" "" "${APPNAME}"
  WriteRegStr HKCU "Software\Classes\${APPID}\DefaultIcon" "" "$INSTDIR\${GUIEXE},0"
  WriteRegStr HKCU "Software\Classes\${APPID}\shell\open\command" "" '"$INSTDIR\${GUIEXE}" "%1"'
  WriteRegStr HKCU "Software\Classes\Applications\${GUIEXE}" "FriendlyAppName" "${APPNAME}"
  WriteRegStr HKCU "Software\Classes\Applications\${GUIEXE}\shell\open\command" "" '"$INSTDIR\${GUIEXE}" "%1"'
  !insertmacro OpenWith ".docx"
  !insertmacro OpenWith ".json"
  !insertmacro OpenWith ".zip"

  WriteRegStr HKCU "Software\${APPID}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\${GUIEXE},0"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "kczg-form"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
SectionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

Section "uninstall"
  !insertmacro RefuseWhileRunning
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  Delete "$INSTDIR\kczg-form.exe"
  Delete "$INSTDIR\kczg-form-gui.exe"
  Delete "$INSTDIR\LICENSE-MIT"
  Delete "$INSTDIR\LICENSE-APACHE"
  Delete "$INSTDIR\LICENSE-OFL.txt"
  Delete "$INSTDIR\README.md"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  !insertmacro NoOpenWith ".docx"
  !insertmacro NoOpenWith ".json"
  !insertmacro NoOpenWith ".zip"
  DeleteRegKey HKCU "Software\Classes\${APPID}"
  DeleteRegKey HKCU "Software\Classes\Applications\${GUIEXE}"
  DeleteRegKey HKCU "Software\${APPID}"
  DeleteRegKey HKCU "${UNINSTKEY}"
  ; The drafts (%APPDATA%\kczg\kczg-form) are the person's own: they stay.
SectionEnd
