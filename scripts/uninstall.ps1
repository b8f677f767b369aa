<#
.SYNOPSIS
Uninstalls Reprokit from Windows: undoes scripts\install.ps1.

.DESCRIPTION
Runs `reprokit uninstall --scope <scope>` (which removes the manifest and the
registry keys listed in reprokit's receipt), deletes reprokit.exe, removes the
PATH entry and the folders install.ps1 added, then its record. Running it
twice is harmless.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File scripts\uninstall.ps1
#>
[CmdletBinding()]
param(
    [ValidateSet('user', 'system')][string]$Scope = 'user'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

if ($Scope -eq 'system') {
    $id = [Security.Principal.WindowsIdentity]::GetCurrent()
    if (-not ([Security.Principal.WindowsPrincipal]$id).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        throw '-Scope system removes files from Program Files and keys from HKLM: run PowerShell as Administrator.'
    }
    $binDir = Join-Path $env:ProgramFiles 'Reprokit'
    $stateDir = Join-Path $env:ProgramData 'Reprokit'
    $pathTarget = 'Machine'
} else {
    $binDir = Join-Path $env:LOCALAPPDATA 'Programs\Reprokit'
    $stateDir = Join-Path $env:LOCALAPPDATA 'Reprokit'
    $pathTarget = 'User'
}
$statePath = Join-Path $stateDir 'install-script.json'
$dest = Join-Path $binDir 'reprokit.exe'
$state = $null
if (Test-Path -LiteralPath $statePath) {
    $state = Get-Content -Raw -LiteralPath $statePath | ConvertFrom-Json
    if ($state.binary) { $dest = $state.binary }
} elseif (-not (Test-Path -LiteralPath $dest)) {
    Write-Host "nothing to remove: install.ps1 did not install Reprokit for scope $Scope ('reprokit uninstall' removes keys written without the script)"
    return
}

# 1. Manifest and registry keys, with the binary that wrote them.
if (Test-Path -LiteralPath $dest) {
    & $dest uninstall --scope $Scope
    if ($LASTEXITCODE -ne 0) { throw "reprokit uninstall failed (exit $LASTEXITCODE): see above." }
} else {
    Write-Warning "$dest is gone: remove the io.reprokit.host keys under Software\...\NativeMessagingHosts by hand (docs\DEPLOY.md lists them)."
}

# 2. The binary and its folder.
if (Test-Path -LiteralPath $dest) {
    Remove-Item -Force -LiteralPath $dest
    Write-Host "removed $dest"
}
if ($state -and $state.createdBinDir -and (Test-Path -LiteralPath $binDir) -and -not (Get-ChildItem -Force -LiteralPath $binDir)) {
    Remove-Item -Force -LiteralPath $binDir
}

# 3. PATH.
if ($state -and $state.addedToPath) {
    $current = [Environment]::GetEnvironmentVariable('Path', $pathTarget)
    if ($null -eq $current) { $current = '' }
    $parts = @($current -split ';' | Where-Object { $_ -ne '' -and $_ -ne $binDir })
    [Environment]::SetEnvironmentVariable('Path', ($parts -join ';'), $pathTarget)
    Write-Host "removed $binDir from the $pathTarget PATH"
}

# 4. The record and its folder (reprokit uninstall removed its receipt).
Remove-Item -Force -LiteralPath $statePath -ErrorAction SilentlyContinue
if ($state -and $state.createdStateDir -and (Test-Path -LiteralPath $stateDir) -and -not (Get-ChildItem -Force -LiteralPath $stateDir)) {
    Remove-Item -Force -LiteralPath $stateDir
}
Write-Host 'done'
