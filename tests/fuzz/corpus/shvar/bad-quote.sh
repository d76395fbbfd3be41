NOHUPLOG="unterminated
