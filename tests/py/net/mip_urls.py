# mpsim: --board esp32
# mip's short forms of repositories (issue 18): github:, gitlab: and codeberg: become the hosts'
# raw-file URLs, with the branch or tag from version= (HEAD without one); other URLs stay.
import mip

for u in ("github:org/repo/pkg/file.py", "gitlab:org/repo/a.py", "codeberg:org/repo/dir/b.py",
          "https://example.com/x.py"):
    print(mip._url(u), mip._url(u, "v1.2"))
