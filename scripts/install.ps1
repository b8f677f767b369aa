<#
.SYNOPSIS
Installs Reprokit on Windows.

.DESCRIPTION
Builds reprokit.exe with Go (or takes a prebuilt one with -Binary), copies it
to %LOCALAPPDATA%\Programs\Reprokit (user scope) or %ProgramFiles%\Reprokit
(system scope, as Administrator), puts that folder on PATH, and runs
`reprokit install --scope <scope>`, which writes io.reprokit.host.json and the
HKCU/HKLM NativeMessagingHosts registry keys of Chrome, Edge, Brave, Vivaldi,
Chromium, Opera and Arc. Running it twice changes nothing the second time.
scripts\uninstall.ps1 undoes it.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File scripts\install.ps1
.EXAMPLE
powershell -ExecutionPolicy Bypass -File scripts\install.ps1 -Scope system -Binary .\reprokit.exe
#>
[CmdletBinding()]
param(
    [ValidateSet('user', 'system')][string]$Scope = 'user',
    [string]$Binary = '',
    [string[]]$ExtensionId = @(),
    [string]$Browsers = ''
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Test-Admin {
    $id = [Security.Principal.WindowsIdentity]::GetCurrent()
    return ([Security.Principal.WindowsPrincipal]$id).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

if ($Scope -eq 'system' -and -not (Test-Admin)) {
    throw '-Scope system writes Program Files and HKLM: run PowerShell as Administrator.'
}

$root = Split-Path -Parent $PSScriptRoot
if ($Scope -eq 'system') {
    $binDir = Join-Path $env:ProgramFiles 'Reprokit'
    $stateDir = Join-Path $env:ProgramData 'Reprokit'
    $pathTarget = 'Machine'
} else {
    $binDir = Join-Path $env:LOCALAPPDATA 'Programs\Reprokit'
    $stateDir = Join-Path $env:LOCALAPPDATA 'Reprokit'
    $pathTarget = 'User'
}
$statePath = Join-Path $stateDir 'install-script.json'

# What earlier runs created stays recorded, so uninstall.ps1 removes it.
$state = [ordered]@{ scope = $Scope; binary = ''; createdBinDir = $false; createdStateDir = $false; addedToPath = $false }
if (Test-Path -LiteralPath $statePath) {
    $old = Get-Content -Raw -LiteralPath $statePath | ConvertFrom-Json
    $state.createdBinDir = [bool]$old.createdBinDir
    $state.createdStateDir = [bool]$old.createdStateDir
    $state.addedToPath = [bool]$old.addedToPath
}

# The record's folder first: reprokit install writes its manifest and
# receipt there too, and uninstall.ps1 removes the folder last.
if (-not (Test-Path -LiteralPath $stateDir)) {
    New-Item -ItemType Directory -Path $stateDir | Out-Null
    $state.createdStateDir = $true
}

$tmp = Join-Path ([IO.Path]::GetTempPath()) ('reprokit-' + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
    # 1. The binary.
    if (-not $Binary) {
        if (-not (Get-Command go -ErrorAction SilentlyContinue)) {
            throw 'Go is not installed: install Go 1.26 from https://go.dev/dl, or pass -Binary path\to\reprokit.exe.'
        }
        Write-Host "building reprokit from $root"
        Push-Location $root
        try {
            & go build -trimpath -o (Join-Path $tmp 'reprokit.exe') ./cmd/reprokit
            if ($LASTEXITCODE -ne 0) { throw 'go build failed: see the errors above.' }
        } finally {
            Pop-Location
        }
        $Binary = Join-Path $tmp 'reprokit.exe'
    }
    if (-not (Test-Path -LiteralPath $Binary -PathType Leaf)) { throw "$Binary is not a file." }

    if (-not (Test-Path -LiteralPath $binDir)) {
        New-Item -ItemType Directory -Path $binDir | Out-Null
        $state.createdBinDir = $true
    }
    $dest = Join-Path $binDir 'reprokit.exe'
    $state.binary = $dest
    if ((Test-Path -LiteralPath $dest) -and ((Get-FileHash -LiteralPath $dest).Hash -eq (Get-FileHash -LiteralPath $Binary).Hash)) {
        Write-Host "binary unchanged: $dest"
    } else {
        Copy-Item -Force -LiteralPath $Binary -Destination $dest
        Write-Host "installed $dest"
    }

    # 2. PATH, for new shells and for this one.
    $current = [Environment]::GetEnvironmentVariable('Path', $pathTarget)
    if ($null -eq $current) { $current = '' }
    $parts = @($current -split ';' | Where-Object { $_ -ne '' })
    if ($parts -notcontains $binDir) {
        [Environment]::SetEnvironmentVariable('Path', (@($parts + $binDir) -join ';'), $pathTarget)
        $state.addedToPath = $true
        Write-Host "added $binDir to the $pathTarget PATH (new shells see it)"
    }
    if (@($env:Path -split ';') -notcontains $binDir) { $env:Path = "$env:Path;$binDir" }

    # 3. The host manifest and registry keys (reprokit keeps its own receipt).
    $installArgs = @('install', '--scope', $Scope)
    foreach ($id in $ExtensionId) { $installArgs += @('--extension-id', $id) }
    if ($Browsers) { $installArgs += @('--browsers', $Browsers) }
    & $dest @installArgs
    if ($LASTEXITCODE -ne 0) {
        throw "reprokit install failed (exit $LASTEXITCODE): run `"$dest doctor`" for the cause and the fix."
    }

    # 4. The script's record, rewritten only when it changes.
    $json = $state | ConvertTo-Json
    $same = (Test-Path -LiteralPath $statePath) -and ((Get-Content -Raw -LiteralPath $statePath).Trim() -eq $json.Trim())
    if (-not $same) { Set-Content -LiteralPath $statePath -Value $json -Encoding UTF8 }

    Write-Host "done: run 'reprokit demo', or 'reprokit doctor' to check the install"
} finally {
    Remove-Item -Recurse -Force -LiteralPath $tmp -ErrorAction SilentlyContinue
}
