@echo off
rem The minibatch command of an unpacked distribution (Windows). Runs dev.minibatch.cli.Main with
rem lib\* on the class path and the distribution's plugins\ as the bundled plugins folder; the user's
rem folder (%USERPROFILE%\.minibatch\plugins, or %MINIBATCH_PLUGINS%) is read as well.
rem Needs Java 17+: %JAVA_HOME%\bin\java.exe, else java on PATH. %MINIBATCH_OPTS% adds JVM options.
setlocal
set "MINIBATCH_DIST=%~dp0.."
for %%I in ("%MINIBATCH_DIST%") do set "MINIBATCH_DIST=%%~fI"
set "JAVA_EXE=java"
if defined JAVA_HOME set "JAVA_EXE=%JAVA_HOME%\bin\java.exe"
"%JAVA_EXE%" -version >nul 2>&1
if errorlevel 1 (
  echo minibatch: java not found; install a JDK 17 or newer, or set JAVA_HOME 1>&2
  exit /b 1
)
rem --enable-native-access: sqlite-jdbc loads a native library; JDK 22+ warns on every start without it
"%JAVA_EXE%" --enable-native-access=ALL-UNNAMED %MINIBATCH_OPTS% "-Dminibatch.bundled.plugins=%MINIBATCH_DIST%\plugins" -cp "%MINIBATCH_DIST%\lib\*" dev.minibatch.cli.Main %*
exit /b %ERRORLEVEL%
