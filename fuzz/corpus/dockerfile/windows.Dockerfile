# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022

SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';"]

ENV GIT_VERSION 2.43.0
ENV GIT_DOWNLOAD_URL https://github.com/git-for-windows/git/releases/download/v${GIT_VERSION}.windows.1/MinGit-${GIT_VERSION}-64-bit.zip

RUN Write-Host ('Downloading {0} ...' -f $env:GIT_DOWNLOAD_URL); `
	[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12; `
	Invoke-WebRequest -Uri $env:GIT_DOWNLOAD_URL -OutFile 'git.zip'; `
	Expand-Archive -Path git.zip -DestinationPath C:\git\.; `
	Remove-Item git.zip -Force

WORKDIR C:\app
COPY app\ C:\app\
CMD ["C:\\app\\app.exe"]
